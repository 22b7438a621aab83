"""The GeoReport v2 endpoints: every JSON response validated against the Open311 community's
schemas, every XML response parsed and compared with the JSON, every error case."""

import datetime
import json

import pytest
from django.utils import timezone

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case
from gongzhi.core.models import AuditEntry
from gongzhi.open311 import selectors, services

from .conftest import parse_xml, same_fields, validate

V2 = "/open311/v2"


def both(client, path, schema, **params):
    """GET path in .json and .xml; the JSON validated, the XML carrying the same fields."""
    data = validate(schema, client.get(f"{V2}/{path}.json", params))
    root = parse_xml(client.get(f"{V2}/{path}.xml", params))
    same_fields(data, root)
    return data, root


def errors_of(response, fmt="json"):
    if fmt == "xml":
        root = parse_xml(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return [(e["code"], e["description"]) for e in json.loads(response.content)]


def make_case(world, category=None, **kwargs):
    params = {
        "actor": None,
        "channel": Case.Channel.STAFF_ENTRY,
        "category": category or world.streetlight,
        "description": "灯坏了",
        "org_unit": world.tree.grid_a1,
    }
    params.update(kwargs)
    return case_services.case_create(**params)


# --- discovery and services -------------------------------------------------------------------------


def test_discovery(client, world):
    response = client.get(f"{V2}/discovery.json")
    data = json.loads(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["type"] in ("production", "test")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert datetime.datetime.fromisoformat(data["changeset"]).tzinfo is not None
    root = parse_xml(client.get(f"{V2}/discovery.xml"))
    assert root.tag == "discovery"
    same_fields(data, root)
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_list_every_active_category_of_the_jurisdiction(client, world):
    data, root = both(client, "services", "services.json")
    assert root.tag == "services" and {c.tag for c in root} == {"service"}
    codes = [s["service_code"] for s in data]
    assert codes == ["roads", "streetlight", "elderly", "dispute"]  # not B's category
    light = data[1]
    assert light == {
        "service_code": "streetlight",
        "service_name": "路灯",
        "description": "路灯不亮或损坏",
        "metadata": False,
        "type": "realtime",
        "keywords": "路灯,ལམ་སྒྲོན།,道路设施",
        "group": "道路设施",
    }
    assert data[2]["metadata"] is True


def test_service_names_are_tibetan_on_tibetan_requests(client, world):
    data = validate("services.json", client.get(f"{V2}/services.json", HTTP_ACCEPT_LANGUAGE="bo"))
    assert data[1]["service_name"] == "ལམ་སྒྲོན།"


def test_service_definition_lists_the_extra_fields(client, world):
    data, root = both(client, "services/elderly", "service-definition.json")
    assert root.tag == "service_definition"
    assert data["service_code"] == "elderly"
    age, service, needs = data["attributes"]
    assert age["code"] == "age" and age["datatype"] == "number" and age["required"] is False
    assert age["variable"] is True and age["order"] == 1 and age["description"] == "Age"
    assert age["datatype_description"]
    assert "values" not in age
    assert service["required"] is True and service["order"] == 2
    assert service["values"] == [{"key": "errand", "name": "代办"}, {"key": "visit", "name": "探访"}]
    assert needs["datatype"] == "multivaluelist"
    assert root.find("attributes/attribute/code").text == "age"


def test_service_definition_without_extra_fields(client, world):
    data, _ = both(client, "services/streetlight", "service-definition.json")
    assert data == {"service_code": "streetlight", "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_a_404(client, world, fmt):
    response = client.get(f"{V2}/services/nothing.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt) == [(404, "Unknown service_code nothing.")]
    # Another community's category is unknown here too.
    assert client.get(f"{V2}/services/b-roads.{fmt}").status_code == 404


# --- jurisdictions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_jurisdiction_is_a_404(client, world, fmt):
    response = client.get(f"{V2}/services.{fmt}", {"jurisdiction_id": "nowhere"})
    assert response.status_code == 404
    assert errors_of(response, fmt) == [(404, "Unknown jurisdiction_id.")]


def test_jurisdiction_id_names_a_community_and_empty_means_the_default(client, world):
    b = validate(
        "services.json", client.get(f"{V2}/services.json", {"jurisdiction_id": world.tree.community_b.code})
    )
    assert [s["service_code"] for s in b] == ["b-roads"]
    empty = validate("services.json", client.get(f"{V2}/services.json", {"jurisdiction_id": ""}))
    assert empty[0]["service_code"] == "roads"


def test_the_configured_jurisdiction_is_the_default(client, world, settings):
    settings.OPEN311_JURISDICTION_ID = world.tree.community_b.code
    data = validate("services.json", client.get(f"{V2}/services.json"))
    assert [s["service_code"] for s in data] == ["b-roads"]


# --- POST requests ------------------------------------------------------------------------------------


def test_a_posted_request_becomes_a_case_seen_by_the_grid_worker_and_followed_in_get(client, world, post):
    response = post(
        address_id=str(world.building.pk),
        lat=None,
        long=None,
        first_name="扎西",
        last_name="次仁",
        phone="13900001234",
        email="tashi@example.org",
        account_id="fms-77",
        media_url="https://example.org/photo/1.jpg",
    )
    assert response.status_code == 200
    [created] = validate("created", response)
    assert created["account_id"] == "fms-77"
    assert "working" in created["service_notice"]
    case = Case.objects.get(pk=int(created["service_request_id"]))
    assert case.channel == Case.Channel.OPEN311
    assert case.status == Case.Status.SUBMITTED
    assert case.org_unit == world.tree.grid_a1  # the building's grid
    assert case.address == "纳金路北段5号"
    assert case.reporter_name == "扎西 次仁"
    assert case.media_url == "https://example.org/photo/1.jpg"
    assert list(case.transitions.values_list("action", flat=True)) == ["submit"]

    # The grid worker of A1 has it in the queue; the worker of A2 does not.
    assert case in case_selectors.case_queue(user=world.grid_worker, open_only=True)
    assert case not in case_selectors.case_queue(user=world.grid_worker2, open_only=True)

    data, _ = both(client, "requests", "requests.json")
    assert [r["service_request_id"] for r in data] == [str(case.pk)]
    assert data[0]["status"] == "open" and data[0]["status_notes"].startswith("Submitted")
    assert data[0]["agency_responsible"] == world.tree.grid_a1.name
    assert data[0]["media_url"] == "https://example.org/photo/1.jpg"

    # The grid worker handles it: the status change shows in GET requests.
    for action in ("accept", "assign", "start"):
        params = {"assignee": world.grid_worker} if action == "assign" else {}
        case_services.case_transition(actor=world.grid_worker, case=case, action=action, **params)
    [row] = validate("requests.json", client.get(f"{V2}/requests/{case.pk}.json"))
    assert row["status"] == "open" and row["status_notes"].startswith("In progress")
    case_services.case_transition(actor=world.grid_worker, case=case, action="resolve", note="换了灯泡")
    [row] = validate("requests.json", client.get(f"{V2}/requests/{case.pk}.json"))
    case.refresh_from_db()
    assert row["status"] == "closed"
    assert row["updated_datetime"] == timezone.localtime(case.resolved_at).isoformat(timespec="seconds")
    assert [
        r["status"]
        for r in validate("requests.json", client.get(f"{V2}/requests.json", {"status": "closed"}))
    ] == ["closed"]
    assert validate("requests.json", client.get(f"{V2}/requests.json", {"status": "open"})) == []


def test_post_in_xml_and_the_post_is_audited(world, post):
    response = post("xml")
    assert response.status_code == 200
    root = parse_xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
    case = Case.objects.get(pk=int(request.findtext("service_request_id")))
    assert case.location_kind == Case.LocationKind.POINT and str(case.lat) == "29.662311"
    assert case.org_unit == world.tree.community_a  # a point without a building stays with the community
    entry = AuditEntry.objects.get(action="open311.request_create")
    assert entry.outcome == "success" and entry.object_id == str(case.pk)
    assert entry.detail["key"] == world.key.pk and entry.detail["partner"] == world.partner.pk
    world.key.refresh_from_db()
    assert world.key.last_used_at is not None


def test_attributes_single_and_multiple_values(world, post):
    response = post(
        service_code="elderly",
        **{"attribute[service]": "visit", "attribute[needs][]": ["meal", "bath"], "attribute[age]": "82"},
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.extra == {"age": 82.0, "service": "visit", "needs": ["meal", "bath"]}


def test_an_address_string_of_a_building_reaches_its_grid(world, post):
    response = post(lat=None, long=None, address_string="纳金路北段5号")
    assert response.status_code == 200
    assert Case.objects.get().org_unit == world.tree.grid_a1
    post(lat=None, long=None, address_string="纳金路外某处")
    assert Case.objects.order_by("-id").first().org_unit == world.tree.community_a


def test_an_empty_description_takes_the_service_name(world, post):
    assert post(description="").status_code == 200
    assert Case.objects.get().description == "路灯"


FORBIDDEN = [
    ({"api_key": None}, "api_key is missing or not valid."),
    ({"api_key": ""}, "api_key is missing or not valid."),
    ({"api_key": "o311_wrong"}, "api_key is missing or not valid."),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("fields", "message"), FORBIDDEN)
def test_a_missing_or_bad_key_is_a_403(world, post, fmt, fields, message):
    response = post(fmt, **fields)
    assert response.status_code == 403
    assert errors_of(response, fmt) == [(403, message)]
    assert not Case.objects.exists()
    entry = AuditEntry.objects.get(action="open311.request_create")
    assert entry.outcome == "denied" and entry.detail["status"] == 403


def test_a_revoked_key_is_a_403(world, post):
    services.apikey_revoke(actor=world.staff, key=world.key)
    assert post().status_code == 403
    assert not Case.objects.exists()


def test_a_key_of_another_community_is_a_403(world, post):
    response = post(api_key=world.secret_b)  # the default jurisdiction is A
    assert response.status_code == 403
    assert errors_of(response) == [(403, "This api_key is not valid for this jurisdiction.")]
    # With B's jurisdiction_id, B's key posts to B.
    ok = post(api_key=world.secret_b, service_code="b-roads", jurisdiction_id=world.tree.community_b.code)
    assert ok.status_code == 200
    assert Case.objects.get().community == world.tree.community_b


BAD_REQUESTS = [
    ({"lat": None, "long": None}, 400, "A location is required: lat and long, address_string or address_id."),
    ({"long": None}, 400, "Give both lat and long."),
    ({"lat": "north"}, 400, "The coordinates are not numbers."),
    ({"lat": "95", "long": "91"}, 400, "The coordinates are outside the valid range."),
    ({"address_id": "999999", "lat": None, "long": None}, 400, "Unknown address_id."),
    ({"service_code": None}, 400, "service_code is required."),
    ({"service_code": "nothing"}, 404, "Unknown service_code nothing."),
    ({"service_code": "b-roads"}, 404, "Unknown service_code b-roads."),
    (
        {"description": "灯" * 4001},
        400,
        "The description is too long: at most 4000 characters, this one has 4001.",
    ),
    ({"description": "<b>灯</b>坏了"}, 400, "The description must be plain text, without HTML."),
    ({"email": "not-an-email"}, 400, "The email address is not valid."),
    ({"media_url": "javascript:alert(1)"}, 400, "The media link must be a full http or https address."),
    ({"service_code": "elderly"}, 400, "Answer the question “Service”."),
    (
        {"service_code": "elderly", "attribute[service]": "shop"},
        400,
        "Choose one of the offered answers for “Service”.",
    ),
    (
        {"service_code": "elderly", "attribute[service]": "visit", "attribute[age]": "old"},
        400,
        "“Age” must be a number.",
    ),
    ({"jurisdiction_id": "nowhere"}, 404, "Unknown jurisdiction_id."),
]


@pytest.mark.parametrize(("fields", "status", "message"), BAD_REQUESTS)
def test_bad_requests_are_refused_with_the_right_code_and_change_nothing(
    world, post, fields, status, message
):
    for fmt in ("json", "xml"):
        response = post(fmt, **fields)
        assert response.status_code == status, response.content
        assert errors_of(response, fmt)[0] == (status, message)
    assert not Case.objects.exists()
    entries = AuditEntry.objects.filter(action="open311.request_create")
    assert [e.outcome for e in entries] == ["failed", "failed"]


def test_several_problems_are_listed_together(world, post):
    response = post(service_code="", lat=None, long=None, description="<p>x</p>")
    assert response.status_code == 400
    assert [code for code, _ in errors_of(response)] == [400, 400, 400]


def test_posts_are_limited_per_key(world, post, settings):
    settings.OPEN311_RATE = (2, 300, 600)
    assert post().status_code == 200
    assert post().status_code == 200
    response = post("xml")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert errors_of(response, "xml")[0][0] == 429
    assert Case.objects.count() == 2


def test_get_is_limited_per_client(client, world, settings):
    settings.OPEN311_RATE = (60, 2, 600)
    assert client.get(f"{V2}/services.json").status_code == 200
    assert client.get(f"{V2}/services.json").status_code == 200
    assert client.get(f"{V2}/services.json").status_code == 429


def test_other_methods_are_refused(client, world):
    response = client.put(f"{V2}/services.json")
    assert response.status_code == 405 and errors_of(response)[0][0] == 405
    assert client.post(f"{V2}/services.json").status_code == 405


# --- GET requests -------------------------------------------------------------------------------------


def test_get_requests_filters(client, world):
    now = timezone.now()
    old = make_case(world, now=now - datetime.timedelta(days=120))
    light = make_case(world)
    care = make_case(world, category=world.elderly, extra={"service": "visit"})
    rows = validate("requests.json", client.get(f"{V2}/requests.json"))
    assert [r["service_request_id"] for r in rows] == [str(care.pk), str(light.pk)]  # the last 90 days
    rows = validate("requests.json", client.get(f"{V2}/requests.json", {"service_code": "streetlight,roads"}))
    assert [r["service_request_id"] for r in rows] == [str(light.pk)]
    # service_request_id overrides the other filters, the old one included.
    rows = validate(
        "requests.json",
        client.get(
            f"{V2}/requests.json", {"service_request_id": f"{old.pk},{care.pk}", "service_code": "roads"}
        ),
    )
    assert {r["service_request_id"] for r in rows} == {str(old.pk), str(care.pk)}
    start = timezone.localtime(now - datetime.timedelta(days=130)).isoformat(timespec="seconds")
    end = timezone.localtime(now - datetime.timedelta(days=100)).isoformat(timespec="seconds")
    rows = validate(
        "requests.json", client.get(f"{V2}/requests.json", {"start_date": start, "end_date": end})
    )
    assert [r["service_request_id"] for r in rows] == [str(old.pk)]
    # A '+' of the zone sent unescaped arrives as a space and is still understood.
    raw = f"{V2}/requests.json?start_date={start}&end_date={end}"
    rows = validate("requests.json", client.get(raw))
    assert [r["service_request_id"] for r in rows] == [str(old.pk)]
    rows = validate(
        "requests.json", client.get(f"{V2}/requests.json", {"start_date": "2026-01-01T00:00:00Z"})
    )
    assert all(r["requested_datetime"] < "2026-04-02" for r in rows)


def test_at_most_1000_requests(client, world, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 2)
    for _ in range(3):
        make_case(world)
    assert len(validate("requests.json", client.get(f"{V2}/requests.json"))) == 2


BAD_QUERIES = [
    ({"start_date": "yesterday"}, "start_date is not a W3C datetime, e.g. 2026-11-29T09:30:00+08:00."),
    ({"end_date": "2026-13-01T00:00:00Z"}, "end_date is not a W3C datetime, e.g. 2026-11-29T09:30:00+08:00."),
    ({"start_date": "2026-01-01T00:00:00"}, "start_date must carry a time zone, e.g. +08:00 or Z."),
    (
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        "The span from start_date to end_date is over 90 days.",
    ),
    (
        {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
        "start_date is after end_date.",
    ),
    ({"status": "pending"}, "status must be open, closed or both."),
    ({"service_request_id": "1,x"}, "service_request_id must be numbers separated by commas."),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("params", "message"), BAD_QUERIES)
def test_bad_queries_are_a_400(client, world, fmt, params, message):
    response = client.get(f"{V2}/requests.{fmt}", params)
    assert response.status_code == 400
    assert errors_of(response, fmt) == [(400, message)]


def test_no_personal_data_of_reporters(client, world):
    from gongzhi.registry import services as registry_services

    household = registry_services.household_create(
        actor=None, org_unit=world.tree.grid_a1, address="纳金路北段9号"
    )
    user = world.grid_worker.__class__.objects.create_user(username="resident-1", phone="13800009999")
    import datetime as dt

    registry_services.resident_create(
        actor=None,
        household=household,
        name="卓玛",
        gender="female",
        birth_date=dt.date(1960, 1, 1),
        relationship_to_head="head",
        phone="13800009999",
        user=user,
    )
    home = make_case(
        world, channel=Case.Channel.RESIDENT_FORM, reporter=user, location_kind=Case.LocationKind.REGISTERED
    )
    called = make_case(world, reporter_name="洛桑", reporter_phone="13912345678", address="纳金路口")
    make_case(world, category=world.dispute)  # a dispute names its parties: never listed
    make_case(world, channel=Case.Channel.RED_MAILBOX)  # a letter in confidence: never listed
    data, _ = both(client, "requests", "requests.json")
    assert {r["service_request_id"] for r in data} == {str(home.pk), str(called.pk)}
    body = (
        client.get(f"{V2}/requests.json").content.decode() + client.get(f"{V2}/requests.xml").content.decode()
    )
    for secret in (
        "卓玛",
        "洛桑",
        "13912345678",
        "5678",
        "纳金路北段9号",
        home.tracking_code,
        called.tracking_code,
    ):
        assert secret not in body
    row = next(r for r in data if r["service_request_id"] == str(home.pk))
    assert row["address"] is None and row["lat"] is None
    assert next(r for r in data if r["service_request_id"] == str(called.pk))["address"] == "纳金路口"


def test_get_requests_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(2):
        make_case(world)
    client.get(f"{V2}/requests.json")
    for _ in range(5):
        make_case(world, category=world.elderly, extra={"service": "visit"})
    with django_assert_max_num_queries(4):
        rows = validate("requests.json", client.get(f"{V2}/requests.json"))
    assert len(rows) == 7


# --- GET requests/{id} and tokens ---------------------------------------------------------------------


def test_one_request_as_a_one_element_list(client, world):
    case = make_case(world)
    data, root = both(client, f"requests/{case.pk}", "requests.json")
    assert len(data) == 1 and data[0]["service_request_id"] == str(case.pk)
    row = data[0]
    assert row["expected_datetime"] == timezone.localtime(case.resolution_due).isoformat(timespec="seconds")
    assert row["requested_datetime"].endswith("+08:00")
    assert root.tag == "service_requests" and root[0].tag == "request"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_hidden_request_is_a_404(client, world, fmt):
    b_case = make_case(world, category=world.category_b, org_unit=world.tree.grid_b1)
    dispute = make_case(world, category=world.dispute)
    for pk in (999999, b_case.pk, dispute.pk):
        response = client.get(f"{V2}/requests/{pk}.{fmt}")
        assert response.status_code == 404
        assert errors_of(response, fmt) == [(404, f"Unknown service_request_id {pk}.")]
    ok = client.get(f"{V2}/requests/{b_case.pk}.{fmt}", {"jurisdiction_id": world.tree.community_b.code})
    assert ok.status_code == 200


def test_tokens_map_a_tracking_code(client, world):
    case = make_case(world)
    [row] = validate("token", client.get(f"{V2}/tokens/{case.tracking_code}.json"))
    assert row == {"service_request_id": str(case.pk), "token": case.tracking_code}
    root = parse_xml(client.get(f"{V2}/tokens/{case.tracking_code.lower()}.xml"))
    same_fields([row], root)
    response = client.get(f"{V2}/tokens/NOPE.json")
    assert response.status_code == 404 and errors_of(response) == [(404, "Unknown token.")]


def test_xml_drops_characters_xml_cannot_carry(client, world):
    case = make_case(world, description="灯\x07坏了")
    root = parse_xml(client.get(f"{V2}/requests/{case.pk}.xml"))
    assert root.find("request/description").text == "灯坏了"


def test_partner_systems_post_without_a_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    data = {"api_key": world.secret, "service_code": "streetlight", "address_string": "纳金路北段5号"}
    response = client.post(f"{V2}/requests.json", data)
    assert response.status_code == 200, response.content
    assert Case.objects.get().org_unit == world.tree.grid_a1
