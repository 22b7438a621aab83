from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import uploads
from gongzhi.core.extension_points import (
    DemoStep,
    HomePanel,
    NavItem,
    register_demo_step,
    register_home_panel,
    register_nav,
)

from . import selectors


def _my_bookings(request):
    bookings = list(
        selectors.my_bookings(user=request.user).filter(end__gte=timezone.now()).order_by("start")[:5]
    )
    return render_to_string("venues/partials/home_my_bookings.html", {"bookings": bookings}, request=request)


def _queue(request):
    return render_to_string(
        "venues/partials/home_queue.html",
        {
            "pending": selectors.pending_count(user=request.user),
            "today": selectors.booking_list(user=request.user, status="confirmed")
            .filter(start__date=timezone.localdate())
            .count(),
        },
        request=request,
    )


def _room_photo_visible(user, upload) -> bool:
    from gongzhi.accounts.scoping import reaches

    from .rules import VIEWERS

    return reaches(user, upload.org_unit, VIEWERS)


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_nav(NavItem("venues.rooms", _("Rooms"), "venues:room_list", "venues.view_rooms", order=300))
register_home_panel(HomePanel("venues.my_bookings", _my_bookings, "venues.view_own_bookings", order=520))
register_home_panel(HomePanel("venues.queue", _queue, "venues.view_bookings", order=820))
uploads.register_access_rule("venues.room", _room_photo_visible)
register_demo_step(DemoStep("venues", _demo, order=40))
