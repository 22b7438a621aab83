"""What cases offers partner systems (Open311): a media link on a case, the public list of a
community's cases and the location of an address in the registry."""

import pytest

from gongzhi.cases import selectors, services
from gongzhi.cases.models import Case
from gongzhi.core.errors import ApplicationError
from gongzhi.registry import services as registry_services


def _create(world, **kwargs):
    params = {
        "actor": None,
        "channel": Case.Channel.OPEN311,
        "category": world.general,
        "description": "路灯不亮",
        "org_unit": world.tree.community_a,
    }
    params.update(kwargs)
    return services.case_create(**params)


def test_a_media_link_is_kept(world):
    case = _create(world, media_url=" https://example.org/p/1.jpg ")
    assert case.media_url == "https://example.org/p/1.jpg"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "not a url"])
def test_a_media_link_must_be_http(world, url):
    with pytest.raises(ApplicationError) as exc:
        _create(world, media_url=url)
    assert exc.value.field == "media_url"
    assert not Case.objects.exists()


def test_public_cases_leave_out_disputes_and_red_mailbox_letters(world):
    shown = _create(world)
    _create(world, category=world.dispute)
    _create(world, channel=Case.Channel.RED_MAILBOX)
    other = _create(world, category=world.category_b, org_unit=world.tree.community_b)
    assert list(selectors.public_cases(community=world.tree.community_a)) == [shown]
    assert list(selectors.public_cases(community=world.tree.community_b)) == [other]


def test_an_address_is_located_by_building_id_or_exact_address(world):
    building = registry_services.building_create(
        actor=None, org_unit=world.tree.grid_a2, name="3号楼", address="纳金路南段3号"
    )
    other = registry_services.building_create(
        actor=None, org_unit=world.tree.grid_b1, name="1号楼", address="嘎玛贡桑路1号"
    )
    a = world.tree.community_a
    assert selectors.locate_in_community(community=a, address_id=str(building.pk)) == (
        world.tree.grid_a2,
        "纳金路南段3号",
    )
    assert selectors.locate_in_community(community=a, address=" 纳金路南段3号 ")[0] == world.tree.grid_a2
    assert selectors.locate_in_community(community=a, address_id=str(other.pk)) is None
    assert selectors.locate_in_community(community=a, address_id="x1") is None
    assert selectors.locate_in_community(community=a, address="别处") is None


def test_category_for_community(world):
    a = world.tree.community_a
    assert selectors.category_for_community(community=a, code="general") == world.general
    assert selectors.category_for_community(community=a, code="b-general") is None
    assert selectors.category_for_community(community=a, code="") is None


def test_the_case_page_links_the_media(world, login):
    case = _create(world, media_url="https://example.org/p/2.jpg")
    body = login(world.staff).get(f"/cases/{case.pk}/").content.decode()
    assert 'href="https://example.org/p/2.jpg"' in body


def test_building_addresses_of_a_community(world):
    mine = registry_services.building_create(
        actor=None, org_unit=world.tree.grid_a1, name="7号楼", address="纳金路7号"
    )
    registry_services.building_create(
        actor=None, org_unit=world.tree.grid_b1, name="1号楼", address="嘎玛路1号"
    )
    assert selectors.building_addresses(community=world.tree.community_a) == [(mine.pk, "纳金路7号")]
