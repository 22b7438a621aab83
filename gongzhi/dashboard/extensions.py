import datetime

from django.template.loader import render_to_string
from django.utils import timezone
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

from . import providers


def _panel(request):
    from . import selectors
    from .periods import Period
    from .rules import COCKPIT_ROLES

    unit = selectors.home_unit(user=request.user, roles=COCKPIT_ROLES)
    if unit is None:
        return None
    summary = selectors.summary(
        unit=unit, period=Period(timezone.localdate().year), with_children=False, with_trend=False
    )
    keys = ("registry.residents", "servicedesk.services", "cases.received", "activities.person_times")
    figures = [summary.figures[k] for k in keys if k in summary.figures]
    return render_to_string(
        "dashboard/partials/home_panel.html",
        {"unit": unit, "s": summary, "figures": figures},
        request=request,
    )


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


# The figures of the apps on main; an app's own extensions module (imported earlier) may define them itself.
providers.register()
register_nav(NavItem("dashboard.cockpit", _("Cockpit"), "dashboard:index", "dashboard.open", order=50))
register_home_panel(HomePanel("dashboard.cockpit", _panel, "dashboard.view_cockpit", order=90))
register_demo_step(DemoStep("dashboard", _demo, order=1000))

# Run by core_scheduler: the cockpit reads summaries, recomputed every night and on demand.
register_periodic_job(
    PeriodicJob(
        "dashboard_refresh",
        _("Recompute the cockpit's summaries"),
        "dashboard_refresh",
        at=datetime.time(4, 0),
    )
)
