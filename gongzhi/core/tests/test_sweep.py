"""The whole site and the whole API, as the demo users meet them: a release sweep.

A smaller demo community (a tenth of the households, cases and counter records of `core_demo`, the
same builders otherwise) is built once per test process and rolled back at the end.

The crawl: each demo account signs in, opens the home page and follows every same-site GET link
(`href` and `hx-get`) up to two clicks deep, one URL per route, in Chinese; every route found is read
again in Tibetan and in English. A page fails when
- it answers 500 (or any 5xx), or a link the user was shown leads to a refusal or a missing page;
- it prints a template variable that does not exist, or template syntax that was never rendered;
- in Tibetan, its interface text (navigation, headings, labels, buttons, table heads, choices,
  footer) carries English words: a string that was never translated. Text marked `translate="no"`
  or with a language of its own is user data and is skipped.

The API sweep: every POST/PUT/PATCH/DELETE endpoint of the OpenAPI schema receives malformed JSON,
a JSON string, a list, an empty object, every field of the wrong type, each number at an extreme
(beyond 64 bits, or 1e308) and an unknown id. Every answer is
below 500, and every refusal is the JSON `{"code", "message"}` with 400, 401, 403, 404, 405, 409
or 429.
"""

import copy
import json
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import Resolver404, resolve, reverse

from conftest import verify_second_factor
from gongzhi.core import demo as core_demo


class InvalidVariable(str):
    """What a template shows for a variable that does not exist. Like Django's default (the empty
    string) it is false in `{% if %}`, empty to `{% for %}` and replaced by `|default`, so only a
    missing variable that would really be printed (as nothing) shows the marker."""

    def __bool__(self):
        return False

    def __len__(self):
        return 0


MARKER = "@@INVALID-TEMPLATE-VARIABLE@@"
INVALID = InvalidVariable(MARKER)
TEMPLATES_STRICT = copy.deepcopy(settings.TEMPLATES)
TEMPLATES_STRICT[0]["OPTIONS"]["string_if_invalid"] = INVALID
LANGUAGES = ["zh-hans", "bo", "en"]
# Every account the demo prints at start-up (`accounts_logins`): the staff accounts, the cockpit's wall
# display, and a resident who signs in with a mobile number.
RESIDENT = "r13908910001"
USERS = [username for username, *_rest in core_demo.STAFF] + ["display", RESIDENT]

# Latin words a Tibetan interface may carry: abbreviations, file formats and units of measure.
ALLOWED_LATIN = re.compile(
    r"^(API|QR|PDF|Excel|xlsx|XLSX|CSV|csv|MB|ID|SMS|HTTP|URL|GB|TOTP|mmol|mmHg|cm|kg|mg|ml|km|[A-Z]{1,2}\d*)$"
)
# Interface text: what names the page's sections, its controls and its choices (the <title> carries
# names of people and places, which cannot be marked as such inside it).
CHROME_TAGS = {"h1", "h2", "h3", "label", "button", "summary", "th", "legend", "dt", "option"}
CHROME_REGIONS = {"header", "nav", "footer"}
SKIP_TEXT_TAGS = {"script", "style", "code", "textarea", "pre"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Links the crawl does not follow: signing out ends the crawl, uploads are files, not pages.
NOT_FOLLOWED = ("/accounts/logout/", "/static/", "/files/", "/media/")


class Page(HTMLParser):
    """Links and interface text of one HTML page, with the standard library's parser."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool]] = []  # (URL, fetched by htmx)
        self.chrome: list[str] = []
        self.lang = ""
        self._stack: list[tuple[str, bool, bool]] = []  # tag, user data (skipped), interface text

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang") or ""
        for name in ("href", "hx-get"):
            if attrs.get(name) and not (tag == "link" and name == "href"):
                self.links.append((attrs[name], name == "hx-get"))
        if tag in VOID:
            return
        parent_skip, parent_chrome = self._stack[-1][1:] if self._stack else (False, False)
        lang = attrs.get("lang")
        skip = (
            parent_skip
            or attrs.get("translate") == "no"
            or (lang is not None and lang != "bo" and tag != "html")
            or tag in SKIP_TEXT_TAGS
        )
        classes = (attrs.get("class") or "").split()
        chrome = parent_chrome or tag in CHROME_TAGS or tag in CHROME_REGIONS or "btn" in classes
        self._stack.append((tag, skip, chrome))

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data):
        if self._stack and self._stack[-1][2] and not self._stack[-1][1] and data.strip():
            self.chrome.append(" ".join(data.split()))


def untranslated(page: Page) -> list[str]:
    """English words in the interface text of a Tibetan page. A page written in another language on
    purpose (the street's work summary is in Chinese) says so in its `lang` and is not Tibetan."""
    if page.lang != "bo":
        return []
    out = []
    for text in page.chrome:
        words = [w for w in re.findall(r"[A-Za-z]{2,}", text) if not ALLOWED_LATIN.match(w)]
        if words:
            out.append(text[:80])
    return sorted(set(out))


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.view_name


def same_site(href: str) -> str | None:
    href = urldefrag(href)[0]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(NOT_FOLLOWED):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A smaller demo community: every app's demo builder, with a tenth of the households, cases and
    counter records. Rolled back when the module ends."""
    from gongzhi.cases import demo as cases_demo
    from gongzhi.registry import demo as registry_demo
    from gongzhi.servicedesk import demo as servicedesk_demo

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with pytest.MonkeyPatch.context() as patch, fast, django_db_blocker.unblock():
        patch.setattr(registry_demo, "HOUSEHOLDS_PER_GRID", 40)
        patch.setattr(cases_demo, "N_CASES", 40)
        patch.setattr(
            servicedesk_demo, "BASE_MONTHLY", [max(1, n // 10) for n in servicedesk_demo.BASE_MONTHLY]
        )
        with transaction.atomic():
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("core_demo", verbosity=0)
            yield
            transaction.set_rollback(True)


class Crawl:
    def __init__(self, username):
        from gongzhi.accounts.models import User

        self.user = User.objects.get(username=username)
        self.client = Client()
        self.client.force_login(self.user)
        verify_second_factor(self.client, self.user)
        self.problems: list[str] = []

    def language(self, lang):
        self.client.post(reverse("core:set_language"), {"language": lang, "next": "/"})

    def get(self, url, *, htmx=False, offered_by=None):
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.get(url, headers=headers)
        status = response.status_code
        if status >= 500:
            self.problems.append(f"{status} {url}")
        elif offered_by and status in (403, 404, 405):
            self.problems.append(f"{status} {url} (a link on {offered_by})")
        if status != 200 or "text/html" not in response.get("Content-Type", ""):
            return None
        body = response.content.decode()
        if MARKER in body:
            at = body.index(MARKER)
            self.problems.append(
                f"a missing template variable on {url}: {body[max(0, at - 120) : at + 40]!r}"
            )
        if re.search(r"\{\{|\{%|%\}", re.sub(r"<script.*?</script>", "", body, flags=re.S)):
            self.problems.append(f"unrendered template syntax on {url}")
        page = Page()
        page.feed(body)
        return page

    def discover(self):
        """Home, then two clicks: one URL per route. Returns {route: (url, htmx)}."""
        seen: dict[str, tuple[str, bool]] = {}
        frontier = [("/", False, None)]
        for _depth in range(3):
            following = []
            for url, htmx, offered_by in frontier:
                page = self.get(url, htmx=htmx, offered_by=offered_by)
                if page is None or _depth == 2:
                    continue
                for href, htmx in page.links:
                    target = same_site(href)
                    route = target and route_of(urlsplit(target).path)
                    if route is None or route in seen:
                        continue
                    seen[route] = (target, htmx)
                    following.append((target, htmx, url))
            frontier = following
        return seen


def demo_accounts() -> list[str]:
    """The accounts `accounts_logins` prints: staff by username, and the first demo resident."""
    from gongzhi.accounts.models import User

    with_roles = set(
        User.objects.filter(is_active=True, role_assignments__is_active=True).values_list(
            "username", flat=True
        )
    )
    return sorted(with_roles - {u for u in with_roles if u.startswith("r1")}) + [RESIDENT]


@override_settings(TEMPLATES=TEMPLATES_STRICT)
def test_every_page_within_two_clicks_renders_for_every_account_in_three_languages(demo, db):
    accounts = demo_accounts()
    assert set(USERS) <= set(accounts), "a demo account is missing"
    home = route_of("/")
    # Each route is read in Tibetan and in English once, by the first account that reaches it: a
    # route's interface text does not depend on who reads it. The home page, whose navigation and
    # panels follow the roles, is read by everyone.
    read_in: dict[str, set[str]] = {"bo": set(), "en": set()}
    problems = []
    for username in accounts:
        crawl = Crawl(username)
        crawl.language("zh-hans")
        pages = crawl.discover()
        if len(pages) < 3:
            crawl.problems.append(f"reaches only {sorted(pages)}")
        for lang, done in read_in.items():
            crawl.language(lang)
            for route, (url, htmx) in pages.items():
                if route in done and route != home:
                    continue
                done.add(route)
                page = crawl.get(url, htmx=htmx)
                if lang == "bo" and page is not None:
                    leftovers = untranslated(page)
                    if leftovers:
                        crawl.problems.append(f"English on the Tibetan page {url}: {leftovers}")
        problems += [f"{username}: {problem}" for problem in crawl.problems]
    assert not problems, "\n".join(problems)


# --- the API sweep --------------------------------------------------------------------------------

WRITE_METHODS = ("post", "put", "patch", "delete")
REFUSALS = {400, 401, 403, 404, 405, 409, 429}
UNKNOWN_ID = 987654321
WRONG_TYPE = {
    "string": {"not": "a string"},
    "integer": "not a number",
    "number": "not a number",
    "boolean": "perhaps",
    "array": 5,
    "object": "not an object",
}
EXTREMES = {
    "integer": [2**63, -(2**63) - 1],
    "number": [1e308],
}


def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            if options:
                return _resolve(options[0], spec)
    return schema


def _plausible(schema: dict, spec: dict):
    """A value of the right type and shape (not necessarily one the endpoint accepts)."""
    schema = _resolve(schema, spec)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string":
        return {"date": "2026-12-01", "date-time": "2026-12-01T10:00:00+08:00", "time": "10:00"}.get(
            fmt, "测试"
        )
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object" or "properties" in schema:
        return {
            name: _plausible(prop, spec)
            for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    return None


def _bodies(operation: dict, spec: dict):
    """(label, raw JSON text) pairs for one endpoint."""
    yield "malformed JSON", '{"unfinished'
    yield "a JSON string", '"x"'
    yield "a list", "[]"
    yield "an empty object", "{}"
    content = (operation.get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return
    schema = _resolve(content["application/json"]["schema"], spec)
    properties = {name: _resolve(prop, spec) for name, prop in schema.get("properties", {}).items()}
    if not properties:
        return
    # A single body parameter is wrapped in its name by django-ninja's schema.
    valid = _plausible(schema, spec)
    yield (
        "every field of the wrong type",
        json.dumps({name: WRONG_TYPE.get(prop.get("type"), 5) for name, prop in properties.items()}),
    )
    for name, prop in properties.items():
        for value in EXTREMES.get(prop.get("type"), []):
            body = {**valid, name: value}
            yield f"{name} = {str(value)[:12]!r}…", json.dumps(body)


def _write_operations(spec: dict):
    for path, operations in sorted(spec["paths"].items()):
        for method, operation in operations.items():
            if method in WRITE_METHODS:
                yield path, method, operation


def _existing_ids(client, spec: dict) -> dict[str, int]:
    """For a path with an id, the id of an object the user can see: the first item of the list
    endpoint the path starts with (`/cases/{case_id}/rating` → the first of GET `/cases`)."""
    ids = {}
    for path in spec["paths"]:
        if "{" not in path:
            continue
        prefix = path[: path.index("{")].rstrip("/")
        if prefix in ids or "get" not in spec["paths"].get(prefix, {}):
            continue
        response = client.get(prefix)
        items = response.json().get("items") if response.status_code == 200 else None
        if items and isinstance(items[0], dict) and "id" in items[0]:
            ids[prefix] = items[0]["id"]
    return ids


def _signed_in(username):
    from gongzhi.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    verify_second_factor(client, user)
    return client


@override_settings(GONGZHI_API_RATE=(100_000, 100_000, 60))
def test_every_api_write_refuses_bad_input_with_a_json_error_never_a_500(demo, db):
    """Run as the secretary (who reaches most of the community's work), the finance officer and the
    county (who own the books and the assistance approvals) and a resident."""
    spec = Client().get("/api/v1/openapi.json").json()
    problems = []
    for username in ("secretary", "finance", "county", RESIDENT):
        client = _signed_in(username)
        known = _existing_ids(client, spec)
        for path, method, operation in _write_operations(spec):
            prefix = path[: path.index("{")].rstrip("/") if "{" in path else None
            targets = [("an unknown id", re.sub(r"\{[^}]+\}", str(UNKNOWN_ID), path))] if prefix else []
            if prefix is None:
                targets.append(("", path))
            elif prefix in known:
                targets.append(("a visible object", re.sub(r"\{[^}]+\}", str(known[prefix]), path)))
            for target, url in targets:
                for label, body in _bodies(operation, spec):
                    response = getattr(client, method)(url, body, content_type="application/json")
                    where = f"{username} {method.upper()} {url} ({target}) with {label}"
                    if response.status_code >= 500:
                        problems.append(f"{response.status_code}: {where}")
                    elif response.status_code >= 400:
                        answer = response.json() if "json" in response.get("Content-Type", "") else None
                        if response.status_code not in REFUSALS:
                            problems.append(f"status {response.status_code}: {where}")
                        if not (isinstance(answer, dict) and answer.get("code") and answer.get("message")):
                            problems.append(
                                f"not a {{code, message}} error: {where}: {response.content[:120]!r}"
                            )
    assert not problems, "\n".join(problems)
