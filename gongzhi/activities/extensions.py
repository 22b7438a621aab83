from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import (
    CardAction,
    DemoStep,
    HomePanel,
    NavItem,
    register_card_action,
    register_demo_step,
    register_home_panel,
    register_nav,
)


def _my_activities(request):
    from gongzhi.registry.selectors import resident_of_user

    from . import selectors

    resident = resident_of_user(request.user)
    if resident is None:
        return None
    family = selectors.household_for_enrolment(resident)
    upcoming = list(selectors.my_enrolments(residents=family).filter(last_end__gte=timezone.now())[:5])
    return render_to_string("activities/partials/home_mine.html", {"enrolments": upcoming}, request=request)


def _today(request):
    from gongzhi.accounts.scoping import community_scope_q

    from .models import ActivitySession
    from .rules import VIEWERS

    today = timezone.localdate()
    sessions = (
        ActivitySession.objects.filter(
            community_scope_q(request.user, VIEWERS, field="activity__org_unit"),
            start__date=today,
            activity__status="published",
        )
        .select_related("activity")
        .order_by("start")
    )
    from gongzhi.accounts.roles import WORKER_ROLES
    from gongzhi.accounts.scoping import community_paths

    if not community_paths(request.user, WORKER_ROLES):
        # Partner staff see the sessions of their own unit's programmes only.
        sessions = sessions.filter(activity__partner_id=request.user.partner_unit_id)
    sessions = sessions[:10]
    return render_to_string("activities/partials/home_today.html", {"sessions": sessions}, request=request)


def _card_choices(request, community, wanted=None):
    from .counter import choices

    return choices(request, community, wanted)


def _card_perform(request, community, value, resident, by_card):
    from .counter import perform

    return perform(request, community, value, resident, by_card)


def _card_panel(request, community, resident):
    from .counter import panel

    return panel(request, community, resident)


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_nav(
    NavItem("activities", _("Activities"), "activities:calendar", "activities.view_activities", order=310)
)
register_home_panel(HomePanel("activities.mine", _my_activities, "activities.view_own_activities", order=530))
register_home_panel(HomePanel("activities.today", _today, "activities.create_activity", order=830))
register_demo_step(DemoStep("activities", _demo, order=50))
# Check-in and check-out of a session running now, on the service centre's one scan page (the points
# counter), which calls these without importing this app.
register_card_action(CardAction("activities.attendance", _card_choices, _card_perform, _card_panel, order=10))
