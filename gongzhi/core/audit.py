"""Recording who did what: every service write calls `record`, every view of sensitive personal
data calls `record_access`. Request facts (IP, acting role) come from a context variable that the
middleware sets, so services need only the actor.

The log is one HMAC chain per community (`AuditEntry.chain` = the community's id; 0, the system
chain, for rows of a street, a district or none). Each entry's HMAC covers its content, its chain
and the previous entry of the same chain, so an edit, a deletion or an insertion inside a chain
breaks it. A writer locks only its own chain (a PostgreSQL advisory lock keyed by the chain), so
writes of different communities no longer wait for each other, and each chain can live on its
community's node once tables are distributed by community (docs/performance.md). The tail of a
chain is what a chain alone cannot protect: `seal` records every chain's head in the system chain
(hourly, `core_audit_seal`), and `verify_chain` checks that each sealed head is still there."""

import contextvars
import datetime
import hashlib
import hmac as hmac_lib
import json
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
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
    # Entries written before chains existed are all in chain 0 and were hashed without the key;
    # any other chain is covered, so moving an entry between chains breaks its HMAC.
    if entry.chain:
        payload["chain"] = entry.chain
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def compute_hmac(entry: AuditEntry) -> str:
    return hmac_lib.new(_chain_key(), canonical(entry), hashlib.sha256).hexdigest()


CHAIN_LOCK = 0x6A7A_0A0D  # the advisory lock's first key; the second is the chain
SYSTEM_CHAIN = 0


def chain_of(org_unit) -> int:
    """The chain of entries about `org_unit`: its community's id for a community or a grid (read
    from the materialised path, no query), the system chain for a street, a district or None."""
    if org_unit is None or not getattr(org_unit, "pk", None):
        return SYSTEM_CHAIN
    ids = org_unit.ancestor_ids
    return ids[2] if len(ids) >= 3 else SYSTEM_CHAIN


def _lock_and_read_head(chain: int) -> str:
    """Lock the chain until the transaction ends and return its last HMAC, in one round trip on
    PostgreSQL: core_audit_lock_chain, a VOLATILE function whose query takes its snapshot after the
    lock is granted, so it sees what the writer it waited for committed (and this transaction's
    own entries). Taking a lock this transaction holds already does not wait. SQLite's IMMEDIATE
    transactions serialise writers already.

    Once known, the head is remembered for the rest of the transaction (`_known_head`), so a
    service that locked the chain first and audits at the end pays one round trip, not two."""
    known = _known_head(chain)
    if known is not None:
        return known
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT core_audit_lock_chain(%s, %s)", [CHAIN_LOCK, chain])
            head = cursor.fetchone()[0] or ""
    else:
        head = (
            AuditEntry.objects.filter(chain=chain).order_by("-id").values_list("hmac", flat=True).first()
            or ""
        )
    _remember_head(chain, head)
    return head


# The heads this transaction knows, valid while `connection.run_on_commit` is the same list object:
# Django replaces that list when a transaction commits or rolls back and when a savepoint rolls
# back (dropping the callbacks registered inside it), and keeps it when a savepoint is released.
# So a head read or appended inside a savepoint that was later rolled back is forgotten with it,
# and one that survives stays known. Holding the list keeps its identity from being reused.
# (A commit-callback mark did the same, but showed up in every count of a transaction's callbacks.)
_HEADS_ATTR = "_gongzhi_audit_heads"


def _known_head(chain: int) -> str | None:
    heads = getattr(connection, _HEADS_ATTR, None)
    if heads is None or heads[0] is not connection.run_on_commit or not connection.in_atomic_block:
        return None
    return heads[1].get(chain)


def _remember_head(chain: int, head: str) -> None:
    if not connection.in_atomic_block:
        return
    heads = getattr(connection, _HEADS_ATTR, None)
    if heads is None or heads[0] is not connection.run_on_commit:
        heads = (connection.run_on_commit, {})
        setattr(connection, _HEADS_ATTR, heads)
    heads[1][chain] = head


def lock_chain(org_unit=None, *, chain: int | None = None) -> int:
    """Take the lock of `org_unit`'s chain (or of `chain`) until the transaction ends, and return
    the chain. A service that locks rows before its audit entry takes this first, so that no
    transaction holds those rows while it waits for the chain."""
    chain = chain_of(org_unit) if chain is None else chain
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("lock_chain() needs a transaction.")
    _lock_and_read_head(chain)
    return chain


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
    org_unit = org_unit if org_unit is not None and getattr(org_unit, "pk", None) else None
    # No savepoint inside the caller's transaction: an entry that cannot be written fails the whole
    # change anyway, and the savepoint cost two round trips on every audited write while the
    # chain's lock was held (measured by `make bench`, docs/performance.md).
    with transaction.atomic(savepoint=False):
        chain = chain_of(org_unit)
        prev = _lock_and_read_head(chain)
        entry = AuditEntry(
            chain=chain,
            at=timezone.now(),
            kind=kind,
            actor=actor if authenticated else None,
            actor_name=actor.get_username() if authenticated else "",
            role=_role_of(actor),
            org_unit=org_unit,
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
        _remember_head(chain, entry.hmac)
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


def chain_heads() -> dict[int, tuple[int, str]]:
    """Each chain's last entry: {chain: (id, hmac)}."""
    last_ids = AuditEntry.objects.values("chain").annotate(last=Max("id")).values_list("last", flat=True)
    return {
        chain: (pk, mac)
        for pk, chain, mac in AuditEntry.objects.filter(id__in=list(last_ids)).values_list(
            "id", "chain", "hmac"
        )
    }


def seal(*, actor=None) -> AuditEntry:
    """Record every chain's head in the system chain, so that deleting the newest entries of a
    chain (which no later entry of that chain links to) is caught by `verify_chain`."""
    with transaction.atomic():
        lock_chain(chain=SYSTEM_CHAIN)
        heads = chain_heads()
        return record(
            actor=actor,
            action="audit.seal",
            detail={"heads": {str(chain): [pk, mac] for chain, (pk, mac) in sorted(heads.items())}},
        )


def verify_chain(batch_size: int = 5000) -> ChainBreak | None:
    """Walk the entries in id order, each chain on its own; return the first entry whose HMAC or
    link does not hold, or a seal whose recorded head of a chain is gone or changed."""
    prev: dict[int, str] = {}
    last_id = 0
    # After a purge the first surviving entry of a chain links to an entry that is gone; the purge
    # entry recorded that entry's HMAC (per chain), which is accepted as the chain's start.
    purge_anchors: set[str] = set()
    purged_through = 0
    for d in AuditEntry.objects.filter(action="audit.purge").values_list("detail", flat=True):
        purge_anchors.add(str(d.get("last_hmac", "")))
        purge_anchors.update(str(v) for v in (d.get("anchors") or {}).values())
        purged_through = max(purged_through, int(d.get("through_id") or 0))
    seals: list[tuple[int, dict]] = []
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for entry in batch:
            expected = prev.get(entry.chain)
            if expected is None:  # the first entry of its chain: the start, or after a purge
                expected = entry.prev_hmac if entry.prev_hmac in purge_anchors else ""
            if entry.prev_hmac != expected:
                return ChainBreak(entry.id, "link")
            if not hmac_lib.compare_digest(entry.hmac, compute_hmac(entry)):
                return ChainBreak(entry.id, "content")
            prev[entry.chain] = entry.hmac
            last_id = entry.id
            if entry.action == "audit.seal":
                seals.append((entry.id, entry.detail.get("heads") or {}))
    for seal_id, heads in seals:
        wanted = {
            int(pk): (int(chain), mac) for chain, (pk, mac) in heads.items() if int(pk) > purged_through
        }
        found = {
            pk: (chain, mac)
            for pk, chain, mac in AuditEntry.objects.filter(id__in=list(wanted)).values_list(
                "id", "chain", "hmac"
            )
        }
        if found != wanted:
            return ChainBreak(seal_id, "sealed_head")
    return None
