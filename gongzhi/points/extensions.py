import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import READER_ROLES
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


def _my_points(request):
    from . import selectors

    resident = selectors.resident_of(request.user)
    if resident is None:
        return None
    accounts = list(selectors.accounts_of_resident(resident))
    return render_to_string(
        "points/partials/my_points_panel.html",
        {
            "balance": sum(a.balance for a in accounts),
            "lifetime": sum(a.lifetime_earned for a in accounts),
        },
        request=request,
    )


def _staff_panel(request):
    from . import selectors

    pending = selectors.award_requests_pending(user=request.user).count()
    return render_to_string("points/partials/staff_panel.html", {"pending": pending}, request=request)


def _can_view_upload(user, upload):
    return user.covers(upload.org_unit, READER_ROLES)


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_nav(
    NavItem("points.overview", _("Points bank"), "points:overview", "points.view_points_list", order=300)
)
register_nav(NavItem("points.mine", _("My points"), "points:mine", "points.view_own_points", order=300))
register_home_panel(HomePanel("points.mine", _my_points, "points.view_own_points", order=510))
register_home_panel(HomePanel("points.queues", _staff_panel, "points.use_counter", order=610))
uploads.register_access_rule("points.award", _can_view_upload)
uploads.register_access_rule("points.reward", _can_view_upload)
register_demo_step(DemoStep("points", _demo, order=40))


# Periodic jobs run by core_scheduler (started beside the server by `make run`).
register_periodic_job(
    PeriodicJob(
        "points_expire",
        _("Expire points past the community's validity"),
        "points_expire",
        at=datetime.time(3, 0),
    )
)
