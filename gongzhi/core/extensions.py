import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import READER_ROLES

from .extension_points import (
    HomePanel,
    NavItem,
    PeriodicJob,
    register_home_panel,
    register_nav,
    register_periodic_job,
)
from .models import OrgUnit

register_nav(NavItem("org", _("Organisation"), "core:orgunit_list", "core.view_orgunits", order=900))
register_nav(NavItem("stations", _("Grid stations"), "core:station_list", "core.view_stations", order=910))
register_nav(NavItem("audit", _("Audit log"), "core:audit_list", "accounts.view_audit", order=960))
register_nav(NavItem("jobs", _("Periodic jobs"), "core:job_list", "core.view_jobs", order=970))
register_nav(NavItem("partners", _("Partner units"), "core:partner_list", "core.view_partners", order=920))


def _my_area(request):
    units = request.user.units_for(READER_ROLES)
    if not units:
        return None
    return render_to_string(
        "core/partials/my_area.html", {"units": units, "OrgUnit": OrgUnit}, request=request
    )


register_home_panel(HomePanel("core.my_area", _my_area, "core.view_stations", order=990))

# Each community's audit chain protects all but its newest entries; the seal protects those too.
register_periodic_job(
    PeriodicJob(
        "core_audit_seal",
        _("Seal the heads of the audit chains"),
        "core_audit_seal",
        every=datetime.timedelta(hours=1),
    )
)
