"""Recording who did what: every service write calls `record`, every view of sensitive personal
data calls `record_access`. Request facts (IP, acting role) come from a context variable that the
middleware sets, so services need only the actor."""

import contextvars
import datetime
import hashlib
import hmac as hmac_lib
import json
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEntry


@dataclass
class RequestContext:
    ip: str | None = None
    path: str = ""


_request_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "gongzhi_audit_request", default=None
)


def set_request_context(ctx: RequestContext | None):
    return _request_context.set(ctx)


def reset_request_context(token) -> None:
    _request_context.reset(token)


@lru_cache(maxsize=1)
def _chain_key() -> bytes:
    from . import crypto

    text = settings.GONGZHI_AUDIT_KEY or crypto._configured("GONGZHI_AUDIT_KEY", "audit.key")
    return crypto._decode_key(text)


def canonical(entry: AuditEntry) -> bytes:
    payload = {
        "at": entry.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "kind": entry.kind,
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "role": entry.role,
        "org_unit": entry.org_unit_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "outcome": entry.outcome,
        "ip": entry.ip,
        "detail": entry.detail,
        "prev": entry.prev_hmac,
    }
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def compute_hmac(entry: AuditEntry) -> str:
    return hmac_lib.new(_chain_key(), canonical(entry), hashlib.sha256).hexdigest()


def _lock_chain() -> None:
    # One writer appends to the chain at a time. SQLite's IMMEDIATE transactions already serialise
    # writers; PostgreSQL needs an explicit transaction-scoped lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x6A7A_0A0D])


def _role_of(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    roles = getattr(actor, "role_names", None)
    return ",".join(sorted(roles())) if callable(roles) else ""


def record(
    *,
    actor,
    action: str,
    obj=None,
    org_unit=None,
    kind: str = AuditEntry.Kind.WRITE,
    outcome: str = AuditEntry.Outcome.SUCCESS,
    detail: dict | None = None,
    object_type: str = "",
    object_id: str = "",
) -> AuditEntry:
    """Append one entry to the chain. Call it inside the service's transaction, so the entry and
    the change commit or roll back together. `detail` must never carry unmasked personal data."""
    ctx = _request_context.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if org_unit is None:
            org_unit = getattr(obj, "org_unit", None)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    # No savepoint inside the caller's transaction: an entry that cannot be written fails the whole
    # change anyway, and the savepoint cost two round trips on every audited write while the
    # chain's lock was held (measured by `make bench`, docs/performance.md).
    with transaction.atomic(savepoint=False):
        _lock_chain()
        prev = AuditEntry.objects.order_by("-id").values_list("hmac", flat=True).first() or ""
        entry = AuditEntry(
            at=timezone.now(),
            kind=kind,
            actor=actor if authenticated else None,
            actor_name=actor.get_username() if authenticated else "",
            role=_role_of(actor),
            org_unit=org_unit if org_unit is not None and getattr(org_unit, "pk", None) else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            ip=ctx.ip if ctx else None,
            detail=detail or {},
            prev_hmac=prev,
        )
        entry.hmac = compute_hmac(entry)
        entry.save(force_insert=True)
    return entry


def record_access(*, actor, obj=None, what: str, org_unit=None, object_type: str = "", object_id: str = ""):
    """Log a view or export of sensitive personal data (an unmasked ID or phone, a health record,
    a child's record, an assistance file)."""
    return record(
        actor=actor,
        action=f"view:{what}",
        obj=obj,
        org_unit=org_unit,
        kind=AuditEntry.Kind.ACCESS,
        object_type=object_type,
        object_id=object_id,
    )


@dataclass
class ChainBreak:
    entry_id: int
    reason: str


def verify_chain(batch_size: int = 5000) -> ChainBreak | None:
    """Walk the chain in id order; return the first entry whose HMAC or link does not hold."""
    prev = ""
    last_id = 0
    # After a purge the first surviving entry links to an entry that is gone; the purge entry
    # recorded that entry's HMAC, which is accepted as the chain's start.
    purge_anchors = {
        str(d.get("last_hmac", ""))
        for d in AuditEntry.objects.filter(action="audit.purge").values_list("detail", flat=True)
    }
    first = True
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return None
        for entry in batch:
            if first and entry.prev_hmac in purge_anchors:
                prev = entry.prev_hmac
            first = False
            if entry.prev_hmac != prev:
                return ChainBreak(entry.id, "link")
            if not hmac_lib.compare_digest(entry.hmac, compute_hmac(entry)):
                return ChainBreak(entry.id, "content")
            prev = entry.hmac
            last_id = entry.id
