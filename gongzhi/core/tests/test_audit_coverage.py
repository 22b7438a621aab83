"""Every write is audited (issue 3, item 4): a static walk over each app's services module.

For every public service function that writes to the database (it, or a helper of the same
module it calls, saves, creates, updates or deletes rows), the same call graph must reach
`audit.record(...)` (or `record_access`). A write that is deliberately not audited has to be
listed in NOT_AUDITED with the reason, so the list is the reviewable exception."""

import ast
import inspect
from importlib import import_module
from importlib.util import find_spec

import pytest
from django.conf import settings

WRITE_CALLS = {
    "save",
    "create",
    "bulk_create",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
    "bulk_update",
}
AUDIT_CALLS = {"record", "record_access", "record_denied"}

# service function -> why it writes without an audit entry of its own
NOT_AUDITED = {
    "core.services.notification_send": "a message to a user, sent as the consequence of an audited write",
    "core.services.notification_mark_read": "the user's own read marks on their messages",
    "accounts.services.user_set_language": "the user's own display preference",
    "accounts.services.token_authenticate": "stamps last_used_at on a token (every API call is logged)",
    "open311.services.apikey_authenticate": "stamps last_used_at on a partner key (every POST is audited)",
    "accounts.services.otp_enrol_start": "an unconfirmed device; its confirmation is audited (otp.enrol)",
    "registry.services.change_record": "the registry's own change history, written inside audited services",
    "economy.services.shopunit_sync_status": "a derived status, called from the audited lease services",
    "economy.services.reminders_send": "notifications of due rent (no business data changes)",
}


def _calls(node):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            if isinstance(f, ast.Attribute):
                base = f.value.id if isinstance(f.value, ast.Name) else ""
                yield f.attr, base
            elif isinstance(f, ast.Name):
                yield f.id, ""


def _analyse(module):
    tree = ast.parse(inspect.getsource(module))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    direct_write, direct_audit, callees = {}, {}, {}
    for name, node in functions.items():
        calls = list(_calls(node))
        direct_write[name] = any(attr in WRITE_CALLS and base not in ("cache",) for attr, base in calls)
        direct_audit[name] = any(
            (attr in AUDIT_CALLS and base in ("audit", "")) or attr.startswith("audit_")
            for attr, base in calls
        )
        callees[name] = {attr for attr, _b in calls if attr in functions}

    def reach(name, flags, seen=None):
        seen = seen or set()
        if name in seen:
            return False
        seen.add(name)
        return flags[name] or any(reach(c, flags, seen) for c in callees[name])

    return {
        name: (reach(name, direct_write), reach(name, direct_audit))
        for name in functions
        if not name.startswith("_")
    }


def service_modules():
    for app in settings.GONGZHI_APPS:
        name = f"gongzhi.{app}.services"
        if find_spec(f"gongzhi.{app}") and find_spec(name):
            yield app, import_module(name)


def test_the_walk_finds_every_apps_services():
    apps = {app for app, _m in service_modules()}
    assert {"core", "accounts", "registry", "points", "cases", "venues", "activities"} <= apps


@pytest.mark.parametrize("app,module", list(service_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_service_write_records_an_audit_entry(app, module):
    missing = [
        f"{app}.services.{name}"
        for name, (writes, audits) in _analyse(module).items()
        if writes and not audits and f"{app}.services.{name}" not in NOT_AUDITED
    ]
    assert not missing, (
        "writes without audit.record (audit them, or list them in NOT_AUDITED with why): "
        + ", ".join(missing)
    )


@pytest.mark.django_db
def test_a_denied_write_is_recorded_with_outcome_denied(tree, make_user, login, roles):
    """A write refused by the permission rules (page or API) leaves an entry: who, what path,
    outcome "denied", client IP."""
    from django.urls import reverse

    from gongzhi.core.models import AuditEntry

    resident = make_user(roles.RESIDENT, tree.grid_a1)
    client = login(resident)
    api = client.post(
        "/api/v1/economy/tenants", {"kind": "enterprise", "name": "雪域茶馆"}, content_type="application/json"
    )
    page = client.post(reverse("accounts:user_create"), {"username": "x"})
    assert (api.status_code, page.status_code) == (403, 403)
    denied = AuditEntry.objects.filter(action="access.denied", outcome="denied", actor=resident)
    assert {e.detail["path"] for e in denied} == {"/api/v1/economy/tenants", reverse("accounts:user_create")}
    assert {e.detail["method"] for e in denied} == {"POST"}
    assert all(e.ip == "127.0.0.1" for e in denied)


@pytest.mark.django_db
def test_one_write_per_app_leaves_an_audit_entry_with_actor_and_object(tree, make_user, roles):
    """The static walk above, checked at run time on a write of each business app."""
    import datetime

    from gongzhi.activities.tests.factories import make_activity
    from gongzhi.cases import services as cases
    from gongzhi.core.models import AuditEntry
    from gongzhi.economy.tests import factories as economy
    from gongzhi.points import services as points
    from gongzhi.servicedesk import services as servicedesk
    from gongzhi.venues.tests.factories import make_room

    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    a = tree.community_a
    made = {
        "points.rule": points.rule_create(
            actor=staff, org_unit=a, code="c", name="环境", category="environment", points=5
        ),
        "cases.category": cases.category_save(actor=staff, org_unit=a, code="g", name="一般"),
        "venues.room": make_room(a),
        "activities.activity": make_activity(a),
        "economy.project": economy.project(a),
        "servicedesk.counter": servicedesk.counter_save(actor=staff, org_unit=a, number=1, name="综合窗口"),
    }
    for label, obj in made.items():
        entry = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).first()
        assert entry is not None, f"{label}: no audit entry"
        assert entry.outcome == "success" and entry.at.date() <= datetime.date.today() + datetime.timedelta(
            days=1
        )
    assert AuditEntry.objects.filter(actor=staff, object_type="points.pointrule").exists()
