import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import uploads
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

from .roles import READ_ROLES

register_nav(NavItem("economy", _("Collective economy"), "economy:index", "economy.view_economy", order=600))


def _unit_photo_rule(user, upload) -> bool:
    return user.covers(upload.org_unit, READ_ROLES)


uploads.register_access_rule("economy.unit_photo", _unit_photo_rule)


def _panel(request):
    from . import selectors

    today = timezone.localdate()
    report = selectors.arrears(user=request.user, as_of=today)
    expiring = selectors.lease_list(user=request.user, status="active").filter(
        end_date__gte=today, end_date__lte=today + datetime.timedelta(days=90)
    )
    return render_to_string(
        "economy/partials/home_panel.html",
        {"arrears": report, "expiring": expiring.count()},
        request=request,
    )


register_home_panel(HomePanel("economy.summary", _panel, "economy.manage_economy", order=650))


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_demo_step(DemoStep("economy", _demo, order=70))


# Periodic jobs run by core_scheduler (started beside the server by `make run`).
register_periodic_job(
    PeriodicJob(
        "economy_daily",
        _("Rent invoices, lease expiry and reminders"),
        "economy_daily",
        at=datetime.time(1, 0),
    )
)
