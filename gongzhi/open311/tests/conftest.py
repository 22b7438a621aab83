"""Fixtures of the Open311 tests: community A with three categories (one with extra fields), a
building in grid A1, an api_key for A and one for B, and the response checks (JSON Schemas of the
Open311 community, XML that carries the same fields)."""

import datetime
import json
import pathlib
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own responses in tests

import pytest
from django.utils import translation
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from gongzhi.accounts.roles import Role
from gongzhi.cases import services as case_services
from gongzhi.core import services as core_services
from gongzhi.open311 import services
from gongzhi.registry import services as registry_services

SCHEMAS = pathlib.Path(__file__).parent / "schemas"
SCHEMA_FILES = ("request.json", "requests.json", "service.json", "services.json", "service-definition.json")


def _load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


REGISTRY = Registry().with_resources(
    (name, Resource(contents=_load(name), specification=DRAFT7)) for name in SCHEMA_FILES
)
SWAGGER = _load("swagger.json")


def _swagger_array(definition: str, nullable=()) -> dict:
    definitions = json.loads(json.dumps(SWAGGER["definitions"]))
    for name in nullable:
        # The community schemas write an optional field as anyOf [type, null]; swagger.json's
        # RequestResponse predates that, so its optional account_id is read the same way.
        field = definitions[definition]["properties"][name]
        definitions[definition]["properties"][name] = {"anyOf": [field, {"type": "null"}]}
    return {"definitions": definitions, "type": "array", "items": {"$ref": f"#/definitions/{definition}"}}


SCHEMAS_BY_NAME = {
    "created": _swagger_array("RequestResponse", nullable=("account_id",)),
    "token": _swagger_array("TokenResponse"),
}


def _datetimes_carry_a_zone(value) -> None:
    if isinstance(value, list):
        for item in value:
            _datetimes_carry_a_zone(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("datetime") and item is not None:
                assert datetime.datetime.fromisoformat(item).tzinfo is not None, (key, item)
            _datetimes_carry_a_zone(item)


def validate(schema: str, response) -> list | dict:
    """The JSON body, after checking its content type and validating it against `schema` (a file
    of tests/schemas, or "created"/"token" from swagger.json's definitions)."""
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content.decode("utf-8"))
    document = SCHEMAS_BY_NAME[schema] if schema in SCHEMAS_BY_NAME else _load(schema)
    validator = Draft7Validator(document, registry=REGISTRY, format_checker=Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]
    _datetimes_carry_a_zone(data)
    return data


def parse_xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert "}" not in root.tag  # no namespace
    return root


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def same_fields(data, element) -> None:
    """The XML element carries exactly the JSON value: objects field by field in order, lists item
    by item, scalars as text (null empty, booleans true/false)."""
    if isinstance(data, dict):
        assert [child.tag for child in element] == list(data), element.tag
        for child in element:
            same_fields(data[child.tag], child)
    elif isinstance(data, list):
        assert len(element) == len(data), element.tag
        for item, child in zip(data, element, strict=True):
            same_fields(item, child)
    else:
        assert (element.text or "") == _text(data), (element.tag, element.text, data)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.OPEN311_JURISDICTION_ID = ""
    with translation.override("en"):
        yield


class World:
    pass


@pytest.fixture
def world(tree, make_user):
    w = World()
    w.tree = tree
    a = tree.community_a
    w.roads = case_services.category_save(actor=None, org_unit=a, code="roads", name="道路设施", sort_order=1)
    w.streetlight = case_services.category_save(
        actor=None,
        org_unit=a,
        code="streetlight",
        name="路灯",
        name_bo="ལམ་སྒྲོན།",
        description="路灯不亮或损坏",
        parent=w.roads,
        sort_order=2,
    )
    w.elderly = case_services.category_save(
        actor=None,
        org_unit=a,
        code="elderly",
        name="为老服务",
        sort_order=3,
        extra_fields=[
            {"code": "age", "label": "Age", "datatype": "number", "required": False},
            {
                "code": "service",
                "label": "Service",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "errand", "name": "代办"}, {"key": "visit", "name": "探访"}],
            },
            {
                "code": "needs",
                "label": "Needs",
                "datatype": "multivaluelist",
                "required": False,
                "values": [{"key": "meal", "name": "送餐"}, {"key": "bath", "name": "助浴"}],
            },
        ],
    )
    w.dispute = case_services.category_save(
        actor=None, org_unit=a, code="dispute", name="矛盾纠纷", is_mediation=True, sort_order=4
    )
    w.category_b = case_services.category_save(
        actor=None, org_unit=tree.community_b, code="b-roads", name="B 道路"
    )
    w.building = registry_services.building_create(
        actor=None, org_unit=tree.grid_a1, name="5号楼", address="纳金路北段5号"
    )
    w.partner = core_services.partnerunit_save(actor=None, org_unit=a, kind="government", name="城管")
    w.key, w.secret = services.apikey_create(actor=None, community=a, name="城管热线", partner=w.partner)
    w.key_b, w.secret_b = services.apikey_create(actor=None, community=tree.community_b, name="B 热线")
    w.grid_worker = make_user(Role.GRID_WORKER, tree.grid_a1)
    w.grid_worker2 = make_user(Role.GRID_WORKER, tree.grid_a2)
    w.staff = make_user(Role.COMMUNITY_STAFF, a)
    w.staff_b = make_user(Role.COMMUNITY_STAFF, tree.community_b)
    return w


@pytest.fixture
def post(client, world):
    """POST requests.{fmt} with A's key and a valid streetlight request, `fields` overriding."""

    def _post(fmt="json", **fields):
        data = {
            "api_key": world.secret,
            "service_code": "streetlight",
            "lat": "29.662311",
            "long": "91.153742",
            "description": "路灯不亮",
        }
        data.update(fields)
        data = {k: v for k, v in data.items() if v is not None}
        return client.post(f"/open311/v2/requests.{fmt}", data)

    return _post
