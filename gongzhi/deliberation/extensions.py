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

register_nav(
    NavItem(
        "deliberation",
        _("Deliberation corner"),
        "deliberation:topic_list",
        "deliberation.view_topics",
        order=400,
    )
)


def _community_file_rule(user, upload) -> bool:
    """Attachments and photos of the corner are seen by everyone who sees the community's corner."""
    from gongzhi.accounts.scoping import reaches

    from .selectors import VIEWER_ROLES

    return reaches(user, upload.org_unit, VIEWER_ROLES)


uploads.register_access_rule("deliberation.file", _community_file_rule)
uploads.register_access_rule("deliberation.photo", _community_file_rule)


def _panel(request):
    from . import selectors

    user = request.user
    meetings = list(selectors.meeting_list(user=user, upcoming=True)[:3])
    votes = list(selectors.decision_list(user=user).filter(status="open").order_by("closes_at")[:3])
    if not meetings and not votes:
        return None
    return render_to_string(
        "deliberation/partials/panel.html", {"meetings": meetings, "votes": votes}, request=request
    )


register_home_panel(HomePanel("deliberation", _panel, "deliberation.view_topics", order=400))


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_demo_step(DemoStep("deliberation", _demo, order=70))

# Run by core_scheduler: household votes whose period has ended are closed and counted.
register_periodic_job(
    PeriodicJob(
        "deliberation_close_votes",
        _("Close household votes whose period has ended"),
        "deliberation_close_votes",
        every=datetime.timedelta(minutes=15),
    )
)
