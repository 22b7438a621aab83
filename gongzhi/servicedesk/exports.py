"""The statistics as an xlsx workbook (openpyxl)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font


def _sheet(wb, title, header, rows):
    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.column_dimensions["A"].width = 32
    return ws


def statistics_xlsx(s: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    months = [str(m) for m in s["months"]]
    summary = [
        (_("Services this year"), s["total"]),
        (_("Services last year"), s["total_last_year"]),
        (_("Same period this year"), s["period_this"]),
        (_("Same period last year"), s["period_last"]),
        (_("Change year on year (%)"), s["yoy_percent"]),
        (_("Median waiting time (minutes)"), s["wait_median"]),
        (_("90th percentile waiting time (minutes)"), s["wait_p90"]),
        (_("Median handling time (minutes)"), s["handle_median"]),
        (_("90th percentile handling time (minutes)"), s["handle_p90"]),
        (_("Done on the spot (%)"), s["on_the_spot_percent"]),
        (_("Satisfied or basically satisfied (%)"), s["satisfied_percent"]),
        *[(label, s["ratings"][level]) for level, label in s["rating_labels"].items()],
    ]
    _sheet(wb, _("Summary"), [_("Measure"), str(s["year"])], [(str(k), v) for k, v in summary])
    _sheet(
        wb,
        _("By month"),
        [_("Month"), str(s["year"]), str(s["year"] - 1)],
        list(zip(months, s["by_month"], s["by_month_last"], strict=True)),
    )
    for key, title in (
        ("by_item", _("By service")),
        ("by_category", _("By category")),
        ("by_channel", _("By channel")),
        ("by_outcome", _("By outcome")),
    ):
        _sheet(wb, title, [title, *months, _("Total")], [[str(k), *v, t] for k, v, t in s[key]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
