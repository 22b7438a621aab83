"""Every named permission of the corner against every role, on an object of community A, and
against the same role in community B."""

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.deliberation import services

MANAGE = {"secretary", "community_staff"}
RESIDENT = {"resident"}
COMMENT = {"resident", "grid_worker", "community_staff", "secretary", "partner_staff"}
EXPECTED = {
    "deliberation.manage_topic": MANAGE,
    "deliberation.moderate_comment": MANAGE,
    "deliberation.manage_meeting": MANAGE,
    "deliberation.manage_decision": MANAGE,
    "deliberation.manage_result": MANAGE,
    "deliberation.support_topic": RESIDENT,
    "deliberation.report_comment": RESIDENT,
    "deliberation.register_meeting": RESIDENT,
    "deliberation.vote": RESIDENT,
    "deliberation.comment_topic": COMMENT,
}
UNIT = {
    Role.RESIDENT: "grid_a1",
    Role.GRID_WORKER: "grid_a1",
    Role.COMMUNITY_STAFF: "community_a",
    Role.SECRETARY: "community_a",
    Role.PARTNER_STAFF: "community_a",
    Role.STREET_STAFF: "street",
    Role.COUNTY_STAFF: "district",
    Role.AUDITOR: "district",
}


@pytest.mark.parametrize("role", list(UNIT))
def test_each_rule_against_each_role_and_another_community(tree, make_user, role):
    topic = services.topic_create(actor=None, org_unit=tree.community_a, title="t", description="d")
    user = make_user(role, getattr(tree, UNIT[role]))
    for perm, allowed in EXPECTED.items():
        assert user.has_perm(perm, topic) is (role in allowed), (perm, role)
    assert user.has_perm("deliberation.view_topics")
    if UNIT[role].endswith("_a1") or UNIT[role] == "community_a":
        other = make_user(
            role, getattr(tree, UNIT[role].replace("a1", "b1").replace("community_a", "community_b"))
        )
        for perm in EXPECTED:
            assert not other.has_perm(perm, topic), (perm, role)


def test_anonymous_and_admins_get_nothing(tree, make_user, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    topic = services.topic_create(actor=None, org_unit=tree.community_a, title="t", description="d")
    for user in (AnonymousUser(), make_user(Role.SYSTEM_ADMIN, tree.district)):
        assert not user.has_perm("deliberation.view_topics")
        for perm in EXPECTED:
            assert not user.has_perm(perm, topic)
