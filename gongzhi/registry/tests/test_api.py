import datetime

import pytest
from django.urls import reverse

from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import ChangeRecord, Resident

pytestmark = pytest.mark.django_db
BIRTH = datetime.date(1985, 7, 7)


@pytest.fixture
def client_a(login, make_user, roles, tree):
    return login(make_user(roles.COMMUNITY_STAFF, tree.community_a))


def test_create_then_read_a_resident(client_a, household):
    number = make_id_number("540102", BIRTH, 31, "male")
    response = client_a.post(
        "/api/v1/registry/residents",
        {"household_id": household.pk, "name": "扎西", "gender": "male", "birth_date": BIRTH.isoformat(),
         "document_number": number, "phone": "13908910007", "relationship_to_head": "head",
         "care_tags": ["veteran"]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    rid = response.json()["id"]
    body = client_a.get(f"/api/v1/registry/residents/{rid}").json()
    assert body["name"] == "扎西" and body["phone_masked"] == "139****0007"
    assert number not in str(body) and body["care_tags"] == ["veteran"]
    listing = client_a.get("/api/v1/registry/residents", {"q": "zx"}).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == rid
    households = client_a.get("/api/v1/registry/households").json()
    assert households["count"] == 1 and households["items"][0]["members"] == 1


def test_bad_input_answers_400_with_field(client_a, household):
    wrong = make_id_number("540102", BIRTH, 31, "male")
    response = client_a.post(
        "/api/v1/registry/residents",
        {"household_id": household.pk, "name": "扎西", "gender": "male", "birth_date": "1985-07-08",
         "document_number": wrong, "relationship_to_head": "head"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {
        "code": "id_birth_mismatch",
        "message": response.json()["message"],
        "field": "document_number",
    }
    response = client_a.post(
        "/api/v1/registry/residents",
        {"household_id": household.pk, "name": "扎西", "gender": "x", "birth_date": "1985-07-08",
         "relationship_to_head": "head"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "gender"
    assert not Resident.objects.exists()


def test_patch_changes_fields_and_records_history(client_a, household, make_resident):
    r = make_resident(household)
    response = client_a.patch(
        f"/api/v1/registry/residents/{r.pk}", {"employment": "student"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["employment"] == "student"
    assert ChangeRecord.objects.filter(resident=r, action="update").count() == 1
    response = client_a.patch(
        f"/api/v1/registry/residents/{r.pk}", {"phone": "123"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "phone"


def test_another_community_is_404(login, make_user, roles, tree, household, make_resident):
    r = make_resident(household)
    client = login(make_user(roles.COMMUNITY_STAFF, tree.community_b))
    assert client.get(f"/api/v1/registry/residents/{r.pk}").status_code == 404
    assert (
        client.patch(f"/api/v1/registry/residents/{r.pk}", {}, content_type="application/json").status_code
        == 404
    )
    assert client.get(f"/api/v1/registry/households/{household.pk}").status_code == 404
    assert client.get("/api/v1/registry/residents").json()["count"] == 0
    response = client.post(
        "/api/v1/registry/residents",
        {"household_id": household.pk, "name": "X", "gender": "male", "birth_date": "1990-01-01",
         "relationship_to_head": "other"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "household_id"


def test_residents_cannot_list_the_registry(login, make_user, roles, tree):
    client = login(make_user(roles.RESIDENT, tree.community_a))
    assert client.get("/api/v1/registry/residents").status_code == 403


def test_the_endpoints_are_in_the_openapi_schema(client_a):
    paths = client_a.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/registry/residents",
        "/api/v1/registry/residents/{resident_id}",
        "/api/v1/registry/households",
    } <= set(paths)


@pytest.fixture
def people(tree, household, make_resident):
    from gongzhi.registry import services

    other = services.household_create(actor=None, org_unit=tree.grid_a2, address="纳金路30号")
    b = services.household_create(actor=None, org_unit=tree.grid_b1, address="嘎玛贡桑路1号")
    make_resident(household, "张晓鑫", rel="head", phone="13908910001")
    gone = make_resident(household, "赵鑫", birth=datetime.date(1945, 2, 2), care_tags=["living_alone"])
    make_resident(
        other, "扎西多吉", gender="male", rel="head", birth=datetime.date(1960, 6, 1), care_tags=["veteran"]
    )
    make_resident(other, "卓玛", birth=datetime.date(2015, 6, 1), care_tags=["left_behind_child", "veteran"])
    make_resident(b, "张晓鑫", rel="head", birth=datetime.date(1990, 1, 1))
    services.resident_move_out(actor=None, resident=gone, on=datetime.date(2026, 1, 1))


def test_the_api_filters_exactly_as_the_page(client_a, people, tree):
    """The same query string gives the same residents on the page and in the API."""
    queries = [
        {},
        {"q": "zxx"},
        {"q": "zx", "status": ""},
        {"grid": tree.grid_a2.pk},
        {"tag": "veteran"},  # a resident with two tags is listed once
        {"tag": "elderly_60", "status": ""},
        {"tag": "living_alone", "status": "moved_out"},
        {"age_min": 0, "age_max": 20},
        {"status": "moved_out"},
        {"status": ""},
    ]
    for query in queries:
        page = client_a.get(reverse("registry:resident_list"), query)
        on_page = [r.name for r in page.context["page"]]
        api = client_a.get("/api/v1/registry/residents", query).json()
        assert [r["name"] for r in api["items"]] == on_page and api["count"] == len(on_page), query
    assert len(client_a.get("/api/v1/registry/residents", {"tag": "veteran"}).json()["items"]) == 2


@pytest.mark.parametrize(
    "query,field",
    [
        ({"status": "asleep"}, "status"),
        ({"tag": "no_such_tag"}, "tag"),
        ({"age_min": 50, "age_max": 20}, "age_max"),
        ({"age_min": -1}, "age_min"),
        ("grid_b", "grid"),  # a grid of community B: not one the user may choose
    ],
)
def test_a_filter_that_cannot_be_read_is_refused_everywhere(client_a, people, tree, query, field):
    from gongzhi.core.models import AuditEntry

    if query == "grid_b":
        query = {"grid": tree.grid_b1.pk}
    response = client_a.get("/api/v1/registry/residents", query)
    assert response.status_code == 400 and response.json()["field"] == field
    assert response.json()["code"] == "invalid_filter" and response.json()["message"]
    page = client_a.get(reverse("registry:resident_list"), query)
    assert page.status_code == 400 and field in page.context["form"].errors
    assert 'class="errorlist"' in page.content.decode()  # the reason is shown beside the filter
    assert list(page.context["page"]) == []  # not "everyone" in place of the filter
    export = client_a.get(reverse("registry:resident_export"), query)
    assert export.status_code == 400 and not export.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action="view:registry.export").exists()
