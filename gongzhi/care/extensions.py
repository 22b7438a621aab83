import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import (
    DemoStep,
    HomePanel,
    NavItem,
    PeriodicJob,
    register_demo_step,
    register_home_panel,
    register_nav,
    register_periodic_job,
)
from gongzhi.core.uploads import register_access_rule

register_nav(NavItem("care", _("Care"), "care:roster", "care.view_roster", order=350))
register_nav(
    NavItem("care.health", _("Health records"), "care:health_list", "care.view_health_records", order=351)
)


def _roster_panel(request):
    """The grid worker's home page: how many visits are overdue and the first few to make."""
    from django.utils import timezone

    from . import selectors

    if not request.user.has_perm("care.record_visit"):
        return None
    today = timezone.localdate()
    counts = selectors.roster_counts(user=request.user, today=today)
    if not counts["total"]:
        return None
    overdue = list(selectors.roster(user=request.user, today=today, overdue_only=True)[:5])
    return render_to_string(
        "care/partials/home_panel.html", {"counts": counts, "overdue": overdue}, request=request
    )


def _my_health(request):
    """A resident with a health record sees a link to it (opening it is logged)."""
    from gongzhi.registry.selectors import resident_of_user

    from .models import HealthRecord

    resident = resident_of_user(request.user)
    if resident is None:
        return None
    record = HealthRecord.objects.filter(resident=resident).only("pk").first()
    if record is None:
        return None
    return render_to_string("care/partials/my_health.html", {"record": record}, request=request)


def _may_see_visit_photo(user, upload):
    return user.has_perm("care.view_profile", upload)


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_access_rule("care.visit_photo", _may_see_visit_photo)
register_home_panel(HomePanel("care.roster", _roster_panel, "care.view_roster", order=300))
register_home_panel(HomePanel("care.my_health", _my_health, "care.view_own_health", order=530))
register_demo_step(DemoStep("care", _demo, order=65))

# Run by core_scheduler: standing orders (e.g. meals every weekday) become dated orders two weeks ahead.
register_periodic_job(
    PeriodicJob(
        "care_generate",
        _("Create the dated home-care orders of standing orders"),
        "care_generate",
        at=datetime.time(0, 30),
    )
)
