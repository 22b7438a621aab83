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

from . import selectors


def _desk_panel(request):
    return render_to_string(
        "servicedesk/partials/home_desk.html",
        {"counts": selectors.home_counts(user=request.user)},
        request=request,
    )


def _resident_panel(request):
    from gongzhi.registry.selectors import resident_of_user

    resident = resident_of_user(request.user)
    if resident is None:
        return None
    return render_to_string(
        "servicedesk/partials/home_resident.html",
        {
            "appointments": selectors.appointments_of_resident(resident).filter(status="booked")[:3],
            "pending": selectors.records_of_resident(resident).filter(forward_status="pending")[:3],
        },
        request=request,
    )


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_nav(
    NavItem(
        "servicedesk.catalogue",
        _("Services"),
        "servicedesk:catalogue_home",
        "servicedesk.book_appointment",
        order=150,
    )
)
register_nav(
    NavItem("servicedesk.desk", _("Service desk"), "servicedesk:desk", "servicedesk.serve", order=150)
)
register_nav(
    NavItem(
        "servicedesk.records",
        _("Service records"),
        "servicedesk:record_list",
        "servicedesk.view_records",
        order=151,
    )
)
register_nav(
    NavItem(
        "servicedesk.stats",
        _("Service statistics"),
        "servicedesk:stats",
        "servicedesk.view_statistics",
        order=152,
    )
)
register_home_panel(HomePanel("servicedesk.desk", _desk_panel, "servicedesk.view_records", order=300))
register_home_panel(HomePanel("servicedesk.mine", _resident_panel, "servicedesk.book_appointment", order=300))
register_demo_step(DemoStep("servicedesk", _demo, order=130))


# Periodic jobs run by core_scheduler (started beside the server by `make run`).
register_periodic_job(
    PeriodicJob(
        "servicedesk_remind",
        _("Remind staff of due errands, mark missed appointments"),
        "servicedesk_remind",
        at=datetime.time(8, 30),
    )
)
