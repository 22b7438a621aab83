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

register_nav(NavItem("assistance", _("Assistance"), "assistance:index", "assistance.view_files", order=400))


def _my_applications(request):
    """The resident's own household: its applications, their state, and the reason of a refusal."""
    from gongzhi.registry.selectors import resident_of_user

    from .models import Application

    resident = resident_of_user(request.user)
    if resident is None:
        return None
    apps = list(
        Application.objects.filter(household_id=resident.household_id)
        .select_related("programme")
        .order_by("-submitted_at")[:10]
    )
    if not apps:
        return None
    return render_to_string("assistance/partials/my_applications.html", {"apps": apps}, request=request)


def _queues(request):
    from django.utils import timezone

    from . import selectors

    counts = selectors.dashboard_counts(user=request.user, today=timezone.localdate())
    return render_to_string("assistance/partials/queues.html", {"counts": counts}, request=request)


def _may_see_document(user, upload):
    return user.has_perm("assistance.view_file", upload)


register_access_rule("assistance.document", _may_see_document)


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_home_panel(HomePanel("assistance.mine", _my_applications, "assistance.view_own", order=520))
register_home_panel(HomePanel("assistance.queues", _queues, "assistance.view_files", order=520))
register_demo_step(DemoStep("assistance", _demo, order=60))


# Periodic jobs run by core_scheduler (started beside the server by `make run`).
register_periodic_job(
    PeriodicJob(
        "assistance_reviews",
        _("Open the periodic reviews of assistance files"),
        "assistance_reviews",
        at=datetime.time(2, 0),
    )
)
