"""The work report as an xlsx workbook (openpyxl): the sentences, then every figure with the same
period a year earlier and the change."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .selectors import Summary, child_name


def report_xlsx(s: Summary, sentences: list[str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Report")[:31]
    ws.append([_("%(unit)s work report, %(period)s") % {"unit": s.unit.name, "period": s.period.label}])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for sentence in sentences:
        ws.append([sentence])
    ws.column_dimensions["A"].width = 100

    figures = wb.create_sheet(_("Figures")[:31])
    figures.append(
        [_("Section"), _("Measure"), _("Unit"), s.period.label, _("A year earlier"), _("Year on year")]
    )
    for cell in figures[1]:
        cell.font = Font(bold=True)
    for label, items in s.sections:
        for f in items:
            figures.append(
                [
                    label,
                    str(f.metric.label),
                    f.suffix or ("%" if f.metric.unit == "%" else ""),
                    float(f.value) if f.value is not None else None,
                    float(f.previous) if f.previous is not None else None,
                    f.change_text,
                ]
            )
    for col, width in zip("ABCDEF", (22, 40, 8, 16, 16, 14), strict=True):
        figures.column_dimensions[col].width = width

    if s.children:
        rollup = wb.create_sheet(_("By unit")[:31])
        columns = [f.metric for f in s.figures.values() if f.metric.tile]
        rollup.append([_("Unit"), *[str(m.label) for m in columns]])
        for c in s.children:
            name = child_name(s, c)
            rollup.append(
                [
                    name,
                    *[float(c["values"][m.key]) if c["values"][m.key] is not None else None for m in columns],
                ]
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
