"""Demo: a wall-display account for Najin's service centre, and the first computation of the
summaries once every other app has built its data (this step runs last)."""

from gongzhi.accounts import services as account_services
from gongzhi.accounts.roles import Role

from . import services


def build(context, rng, stdout):
    community = context["units"]["community"]
    user = account_services.user_create(
        actor=None, username="display", password=context["password"], display_name="纳金社区大屏"
    )
    account_services.role_assign(actor=None, user=user, role=Role.DISPLAY, org_unit=community)
    context["users"]["display"] = user
    result = services.summaries_refresh()
    stdout.write(
        f"  cockpit: display account 'display' for {community.name}; {len(result.periods)} periods summarised "
        f"({result.rows} figures)"
    )
