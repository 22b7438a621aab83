"""IDOR sweep: every URL that names an object by id (pages and API), discovered from the URL
configuration, answers 404 to a user of community A asking for an object of community B.

Each app describes its objects in `gongzhi/<app>/tests/idor.py` (`CASES = {url name: Case(...)}`).
A URL without a case fails this test, naming the file to add it to: a new page or API endpoint
that names an object by id cannot land without its IDOR case."""

import dataclasses
import importlib
import re
from collections.abc import Callable
from importlib.util import find_spec

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Apps whose cases are being written on another branch at the time of writing; their URLs
# without a case are skipped (not failed) until those cases land. Keep this list short.
AWAITING_CASES = {"deliberation"}
OBJECT_PARAM = re.compile(r"<(?:(int|uuid|slug|str|path):)?(\w+)>")


@dataclasses.dataclass
class Case:
    # build: world -> id of an object in community B, or a dict of every URL argument (routes
    # with two ids, or an id and an action).
    build: Callable
    actor: Callable  # world -> a user of community A allowed to use the page on A's objects
    method: str = "get"
    own: Callable | None = None  # world -> id (or URL arguments) of the same kind of object in A
    json: dict | None = None  # a valid JSON body, for API writes that validate the body first
    data: dict | None = None  # a form body, for page POSTs
    query: str = ""  # a query string the URL needs ("date=2026-06-01")
    # A page that is public by design (a notice board, a queue display): say why. The sweep then
    # checks that it answers 200 for the other community's object rather than 404.
    public: str = ""


def _walk(patterns, prefix="", ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(
                p.url_patterns, prefix + str(p.pattern), f"{ns}{p.namespace}:" if p.namespace else ns
            )
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + str(p.pattern), f"{ns}{p.name}", p.callback


def _app_of(name, route, callback):
    """The Gongzhi app whose code answers the URL: from the view's module, as the API mounts some
    routers under a prefix of their own (/api/v1/bookings/ belongs to venues)."""
    module = getattr(callback, "__module__", "") or ""
    if module == "ninja.operation":  # an API view wraps its PathView, which holds the endpoints
        for cell in callback.__closure__ or ():
            operations = getattr(cell.cell_contents, "operations", None)
            if operations:
                module = operations[0].view_func.__module__
    parts = module.split(".")
    if len(parts) > 1 and parts[0] == "gongzhi" and parts[1] != "api":
        return parts[1]
    match = re.match(r"api/v1/([^/]+)/", route)
    return match.group(1).replace("-", "_") if match else name.split(":")[0]


def object_urls():
    """(url name, route, id parameter, app) for every route with an id-like parameter."""
    found = {}
    for route, name, callback in _walk(get_resolver().url_patterns):
        params = [
            (conv, n)
            for conv, n in OBJECT_PARAM.findall(route)
            if conv in ("int", "uuid") or n == "pk" or n.endswith("_id")
        ]
        if not params:
            continue
        found[name] = (route, params[-1][1], _app_of(name, route, callback))
    return found


def all_cases():
    cases = {}
    for app in settings.GONGZHI_APPS:
        module = f"gongzhi.{app}.tests.idor"
        if find_spec(f"gongzhi.{app}.tests") and find_spec(module):
            cases.update(importlib.import_module(module).CASES)
    return cases


URLS = object_urls()


class World:
    def __init__(self, tree, make_user, roles):
        self.tree, self.make_user, self.roles = tree, make_user, roles

    def staff_a(self):
        return self.make_user(self.roles.SECRETARY, self.tree.community_a)

    def admin_a(self, role):
        return self.make_user(role, self.tree.community_a)


def test_the_sweep_found_the_foundation_urls():
    assert {"core:orgunit_detail", "accounts:user_detail", "api:get_org_unit"} <= set(URLS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(URLS))
def test_another_communitys_object_is_a_404(name, tree, make_user, login, roles):
    route, param, app = URLS[name]
    case = all_cases().get(name)
    if case is None:
        message = (
            f"no IDOR case for {name} ({route}): add Case(build=..., actor=..., own=...) for it to "
            f"CASES in gongzhi/{app}/tests/idor.py (see gongzhi/registry/tests/idor.py)"
        )
        if app in AWAITING_CASES:
            pytest.skip(message)
        pytest.fail(message)
    world = World(tree, make_user, roles)

    def url_for(made):
        url = reverse(name, kwargs=made if isinstance(made, dict) else {param: made})
        return f"{url}?{case.query}" if case.query else url

    url = url_for(case.build(world))
    client = login(case.actor(world))
    body = {"data": case.data} if case.data is not None else {}
    if case.json is not None:
        body = {"data": case.json, "content_type": "application/json"}
    response = getattr(client, case.method)(url, **body)
    if case.public:
        assert response.status_code == 200, f"{name} {url} is public ({case.public}): {response.status_code}"
        return
    assert response.status_code == 404, f"{name} {url}: {response.status_code}"
    if case.own is not None:
        # Control: the same user reaches the same kind of object in their own community, so the
        # 404 above is the scoping at work, not a broken page.
        own_url = url_for(case.own(world))
        assert getattr(client, case.method)(own_url, **body).status_code in (200, 201, 302), own_url
