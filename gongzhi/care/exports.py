"""The care report as an xlsx workbook (openpyxl): coverage per grid, services per month, overdue."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from . import selectors


def report_workbook(*, user, today) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Coverage")[:31]
    ws.append([_("Grid"), _("People with a care tag"), _("Visited on time"), _("Assessed within 12 months")])
    for row in selectors.coverage_by_grid(user=user, today=today):
        ws.append([row["grid"], row["people"], row["visited"], row["assessed"]])
    services = selectors.services_by_month(user=user, today=today)
    ws = wb.create_sheet(_("Services")[:31])
    ws.append([_("Service"), *services["labels"]])
    for name, counts in services["series"].items():
        ws.append([name, *counts])
    ws = wb.create_sheet(_("Overdue visits")[:31])
    ws.append([_("Name"), _("Grid"), _("Risk level"), _("Last visit"), _("Next visit due")])
    for r in selectors.roster(user=user, today=today, overdue_only=True)[:5000]:
        p = getattr(r, "care_profile", None)
        ws.append(
            [
                r.name,
                r.org_unit.name,
                p.get_risk_level_display() if p else _("Medium"),
                p.last_visit_on if p else None,
                p.next_due_on if p else None,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
