import datetime

from django.template.loader import render_to_string
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
from gongzhi.deliberation.hooks import register_result_done


def _photo_rule(user, upload) -> bool:
    """A case photo may be seen by the case's reporter and by staff covering the case's unit."""
    from gongzhi.accounts.roles import READER_ROLES

    from .models import Case, CasePhoto, Mediation

    photo = CasePhoto.objects.select_related("case__org_unit").filter(upload=upload).first()
    case = photo.case if photo else None
    if case is None:
        mediation = Mediation.objects.select_related("case__org_unit").filter(agreement_upload=upload).first()
        case = mediation.case if mediation else None
    if case is None:
        return False
    if case.reporter_id == user.pk:
        return True
    return isinstance(case, Case) and user.covers(case.org_unit, READER_ROLES)


uploads.register_access_rule("cases.photo", _photo_rule)

register_nav(NavItem("cases.mine", _("My requests"), "cases:my_cases", "cases.view_my_cases", order=150))
register_nav(NavItem("cases.queue", _("Cases"), "cases:queue", "cases.view_queue", order=160))
register_nav(NavItem("cases.metrics", _("Case metrics"), "cases:metrics", "cases.view_metrics", order=170))


def _my_requests(request):
    from . import selectors

    if request.user.has_perm("cases.view_queue"):
        return None
    cases = list(selectors.my_cases(user=request.user)[:5])
    return render_to_string("cases/partials/panel_mine.html", {"cases": cases}, request=request)


def _grid_work(request):
    from gongzhi.accounts.roles import Role

    from . import selectors

    if not request.user.has_role(Role.GRID_WORKER):
        return None
    return render_to_string(
        "cases/partials/panel_grid.html",
        {
            "cases": selectors.grid_open_cases(user=request.user, limit=5),
            "counts": selectors.queue_counts(user=request.user),
        },
        request=request,
    )


def _centre_queue(request):
    from gongzhi.accounts.roles import Role

    from . import selectors

    if request.user.has_role(Role.GRID_WORKER) and not request.user.has_role(
        Role.COMMUNITY_STAFF, Role.SECRETARY
    ):
        return None
    return render_to_string(
        "cases/partials/panel_queue.html",
        {"counts": selectors.queue_counts(user=request.user)},
        request=request,
    )


register_home_panel(HomePanel("cases.mine", _my_requests, "cases.view_my_cases", order=150))
register_home_panel(HomePanel("cases.grid", _grid_work, "cases.view_queue", order=150))
register_home_panel(HomePanel("cases.queue", _centre_queue, "cases.view_queue", order=160))


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_demo_step(DemoStep("cases", _demo, order=60))


def _resolve_cases_of_result(*, topic, result, actor) -> None:
    from .services import case_resolve_from_result

    case_resolve_from_result(topic=topic, result=result, actor=actor)


# Cases call the deliberation corner (to open a topic); the corner reaches back only through this hook.
register_result_done(_resolve_cases_of_result)


# Periodic jobs run by core_scheduler (started beside the server by `make run`).
register_periodic_job(
    PeriodicJob(
        "cases_autoclose",
        _("Close resolved cases left unrated for 7 days"),
        "cases_autoclose",
        every=datetime.timedelta(hours=1),
    )
)
register_periodic_job(
    PeriodicJob(
        "cases_escalate_overdue",
        _("Escalate overdue cases to the secretary"),
        "cases_escalate_overdue",
        every=datetime.timedelta(minutes=15),
    )
)
