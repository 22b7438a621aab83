import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import ApplicationError
from gongzhi.deliberation import services
from gongzhi.deliberation.models import Topic


@pytest.fixture(autouse=True)
def _fast_english(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


def test_topic_from_a_case_lands_on_the_community_agenda(tree):
    topic = services.topic_create_from_case(
        actor=None,
        org_unit=tree.grid_a1,
        title="加装电梯",
        description="三号楼居民希望加装电梯",
        case_ref="case #7",
    )
    assert (topic.org_unit, topic.status, topic.source) == (tree.community_a, "open", "case #7")


def test_topic_needs_a_title_and_a_short_description(tree):
    with pytest.raises(ApplicationError):
        services.topic_create(actor=None, org_unit=tree.community_a, title=" ", description="x")
    with pytest.raises(ApplicationError):
        services.topic_create(actor=None, org_unit=tree.community_a, title="t", description="x" * 4001)
    with pytest.raises(ApplicationError):
        services.topic_create(actor=None, org_unit=tree.street, title="t", description="x")


def test_status_moves_only_along_the_allowed_paths(tree):
    topic = services.topic_create(actor=None, org_unit=tree.community_a, title="t", description="d")
    with pytest.raises(ApplicationError) as exc:
        services.topic_set_status(actor=None, topic=topic, status="decided")
    assert exc.value.status == 409
    topic = services.topic_set_status(actor=None, topic=topic, status="scheduled")
    topic = services.topic_set_status(actor=None, topic=topic, status="decided")
    topic = services.topic_set_status(actor=None, topic=topic, status="closed")
    assert topic.status == "closed"
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(status="bogus")


def test_residents_see_their_communitys_agenda_only(tree, make_user, login):
    services.topic_create(actor=None, org_unit=tree.community_a, title="A的议题", description="d")
    services.topic_create(actor=None, org_unit=tree.community_b, title="B的议题", description="d")
    page = (
        login(make_user(Role.RESIDENT, tree.community_a))
        .get(reverse("deliberation:topic_list"))
        .content.decode()
    )
    assert "A的议题" in page and "B的议题" not in page


def test_staff_move_a_topic_and_other_community_gets_404(tree, make_user, login):
    topic = services.topic_create(actor=None, org_unit=tree.community_a, title="t", description="d")
    staff = login(make_user(Role.COMMUNITY_STAFF, tree.community_a))
    staff.post(reverse("deliberation:topic_status", args=[topic.pk]), {"status": "scheduled"})
    topic.refresh_from_db()
    assert topic.status == "scheduled"
    other = login(make_user(Role.COMMUNITY_STAFF, tree.community_b))
    assert other.get(reverse("deliberation:topic_detail", args=[topic.pk])).status_code == 404
    resident = login(make_user(Role.RESIDENT, tree.community_a))
    assert (
        resident.post(reverse("deliberation:topic_status", args=[topic.pk]), {"status": "closed"}).status_code
        == 404
    )
    topic.refresh_from_db()
    assert topic.status == "scheduled"
