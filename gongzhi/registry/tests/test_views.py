import datetime
import itertools

import pytest
from django.urls import reverse

from gongzhi.core.models import AuditEntry
from gongzhi.registry import services
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


@pytest.fixture
def resident(household, make_resident):
    return make_resident(household, "张晓鑫", rel="head", phone="13908910001")


def test_list_page_searches_and_shows_tags(login, staff, resident, household, make_resident):
    make_resident(household, "赵鑫", birth=datetime.date(1940, 1, 1), care_tags=["dibao"])
    client = login(staff)
    page = client.get(reverse("registry:resident_list"), {"q": "zxx"}).content.decode()
    dibao = '<span class="tag tag-warn">Minimum living allowance (低保)</span>'
    assert "张晓鑫" in page and "赵鑫" not in page and dibao not in page
    page = client.get(reverse("registry:resident_list"), {"tag": "elderly_80"}).content.decode()
    assert "赵鑫" in page and "Elderly 80+" in page and "张晓鑫" not in page
    assert dibao in page  # the care tag given, beside the derived one


def _fill(household, n, start):
    seq = itertools.count(start)
    for i in range(n):
        birth = datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        h = services.household_create(actor=None, org_unit=household.org_unit, address=f"纳金路{start}-{i}号")
        services.resident_create(
            actor=None, household=h, name=f"格桑{i}", gender="male", birth_date=birth, relationship_to_head="head",
            document_number=make_id_number("540102", birth, next(seq), "male"), care_tags=["veteran"],
        )  # fmt: skip


def test_list_page_costs_the_same_queries_at_two_sizes(
    login, staff, household, django_assert_max_num_queries
):
    client = login(staff)
    _fill(household, 3, 100)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("registry:resident_list"), {"status": ""})
    _fill(household, 40, 300)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("registry:resident_list"), {"status": ""}).status_code == 200


def test_detail_is_masked_and_unmasking_is_recorded(login, staff, resident):
    client = login(staff)
    page = client.get(reverse("registry:resident_detail", args=[resident.pk])).content.decode()
    assert resident.document_number not in page and "139****0001" in page
    assert "Show full numbers" in page
    response = client.post(reverse("registry:resident_unmask", args=[resident.pk]))
    assert (
        resident.document_number in response.content.decode() and "13908910001" in response.content.decode()
    )
    entry = AuditEntry.objects.filter(kind="access").latest("id")
    assert entry.action == "view:registry.resident.unmask" and entry.object_id == str(resident.pk)
    assert entry.actor == staff


def test_grid_worker_cannot_unmask_and_other_community_is_404(login, make_user, roles, tree, resident):
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    client = login(worker)
    page = client.get(reverse("registry:resident_detail", args=[resident.pk])).content.decode()
    assert "Show full numbers" not in page
    assert client.post(reverse("registry:resident_unmask", args=[resident.pk])).status_code == 404
    other = make_user(roles.COMMUNITY_STAFF, tree.community_b, username="b_staff")
    client = login(other)
    assert client.get(reverse("registry:resident_detail", args=[resident.pk])).status_code == 404
    assert client.get(reverse("registry:resident_edit", args=[resident.pk])).status_code == 404


def test_street_staff_read_but_do_not_edit(login, make_user, roles, tree, resident):
    client = login(make_user(roles.STREET_STAFF, tree.street))
    assert client.get(reverse("registry:resident_detail", args=[resident.pk])).status_code == 200
    assert client.get(reverse("registry:resident_edit", args=[resident.pk])).status_code == 404


def test_edit_form_saves_and_history_is_shown(login, staff, resident):
    client = login(staff)
    url = reverse("registry:resident_edit", args=[resident.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data["birth_date"] = resident.birth_date.isoformat()
    data["care_tags"] = []
    data["employment"] = "retired"
    data["phone"] = "13908910009"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    resident.refresh_from_db()
    assert resident.employment == "retired" and resident.phone == "13908910009"
    page = client.get(reverse("registry:resident_detail", args=[resident.pk])).content.decode()
    assert "Retired" in page and "139****0009" in page and "139****0001" in page


def test_create_form_refuses_duplicate_with_link(login, staff, resident, household):
    client = login(staff)
    response = client.post(
        reverse("registry:resident_create", args=[household.pk]),
        {
            "name": "张三", "gender": "female", "birth_date": resident.birth_date.isoformat(),
            "relationship_to_head": "child", "document_type": "id_card",
            "document_number": resident.document_number,
        },
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and f"/registry/residents/{resident.pk}/" in page
    assert Resident.objects.count() == 1


def test_move_out_form_keeps_the_record(login, staff, resident):
    client = login(staff)
    response = client.post(
        reverse("registry:resident_status", args=[resident.pk]), {"status": "moved_out", "on": "2026-11-01"}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.status == "moved_out" and resident.moved_out_on == datetime.date(2026, 11, 1)
    assert "Moved out" in client.get(reverse("registry:resident_detail", args=[resident.pk])).content.decode()


def test_household_move_form(login, staff, resident, household, tree):
    client = login(staff)
    response = client.post(
        reverse("registry:household_move", args=[household.pk]), {"org_unit": tree.grid_a2.pk}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.org_unit == tree.grid_a2
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert tree.grid_a2.name in page


def test_card_pages_hold_only_the_token(login, staff, resident, make_user, roles, tree):
    client = login(staff)
    client.post(reverse("registry:card_print", args=[resident.pk]))
    card = resident.cards.get(revoked_at__isnull=True)
    page = client.get(reverse("registry:card_print", args=[resident.pk])).content.decode()
    assert "<svg" in page and resident.document_number not in page
    import segno

    assert segno.make(card.token, error="m").svg_inline(scale=6, border=2) in page
    user = make_user(roles.RESIDENT, tree.community_a, username="r1")
    services.resident_update(actor=None, resident=resident, name=resident.name)  # unchanged
    Resident.objects.filter(pk=resident.pk).update(user=user)
    client.force_login(user)
    page = client.get(reverse("registry:my_card")).content.decode()
    assert "<svg" in page and "张晓鑫" in page


def test_grid_worker_home_panel_lists_residents_needing_attention(
    login, make_user, roles, tree, household, make_resident
):
    make_resident(household, "次仁", gender="male", birth=datetime.date(1935, 3, 3))
    client = login(make_user(roles.GRID_WORKER, tree.grid_a1))
    page = client.get("/").content.decode()
    assert "My grid&#x27;s residents needing attention" in page or "residents needing attention" in page
    assert "次仁" in page


def test_pages_speak_chinese_and_tibetan(login, staff, resident):
    client = login(staff)
    url = reverse("registry:resident_detail", args=[resident.pk])
    assert "显示完整号码" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "ཨང་གྲངས་ཆ་ཚང་སྟོན།" in client.get(url, HTTP_ACCEPT_LANGUAGE="bo").content.decode()


def test_staff_add_a_care_tag_that_then_filters_the_list(login, staff, make_user, roles, tree):
    client = login(staff)
    assert "Add a care tag" in client.get(reverse("registry:resident_list")).content.decode()
    assert client.post(reverse("registry:care_tag_create"), {"name": "重点帮扶"}).status_code == 302
    page = client.get(reverse("registry:resident_list")).content.decode()
    assert "重点帮扶" in page  # now a choice of the tag filter
    client = login(make_user(roles.GRID_WORKER, tree.grid_a1))
    assert client.post(reverse("registry:care_tag_create"), {"name": "x"}).status_code == 403


def test_household_list_filters_by_building(login, staff, tree):
    east = services.building_create(actor=None, org_unit=tree.grid_a1, name="东区3栋", address="纳金路12号")
    west = services.building_create(actor=None, org_unit=tree.grid_a1, name="西区7栋", address="纳金路14号")
    services.household_create(actor=None, org_unit=tree.grid_a1, address="纳金路12号3栋301", building=east)
    services.household_create(actor=None, org_unit=tree.grid_a1, address="纳金路14号7栋502", building=west)
    elsewhere = services.building_create(actor=None, org_unit=tree.grid_b1, name="别的社区1栋", address="x")
    client = login(staff)
    html = client.get(reverse("registry:household_list")).content.decode()
    assert "纳金路12号3栋301" in html and "纳金路14号7栋502" in html
    assert "东区3栋" in html and "别的社区1栋" not in html  # only the buildings the user may read
    html = client.get(reverse("registry:household_list"), {"building": east.pk}).content.decode()
    assert "纳金路12号3栋301" in html and "纳金路14号7栋502" not in html
    html = client.get(reverse("registry:household_list"), {"building": elsewhere.pk}).content.decode()
    assert "纳金路12号3栋301" not in html and "纳金路14号7栋502" not in html
