"""The ceilings of a benchmark run, mounted at /bench/ only when settings.GONGZHI_BENCH is on
(config/urls.py; the production checks refuse the setting).

- `bare`: Django's own ceiling, a view answering {"ok": true} without touching the database;
- `raw_award`: the framework-plus-database ceiling, the SQL that a points award runs (the lock of
  the community's audit chain, the account row lock, the ledger insert, the balance update, the
  chain's head, the audit insert with its chain link) through a raw cursor in one transaction,
  with none of the ORM, the permission checks or the serialisation. `?lock=0` leaves out the
  chain's lock, to show what that lock costs (its audit row goes to a copy of the table, see
  below). bench/run.py gives pgbench the same SQL."""

import json
import os

from django.db import connection, transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gongzhi.core.audit import CHAIN_LOCK, compute_hmac
from gongzhi.core.models import AuditEntry

# Recreated by bench/probe.py prepare, so that it has the audit table's columns of the day.
BENCH_AUDIT_TABLE_SQL = "DROP TABLE IF EXISTS bench_auditentry; CREATE TABLE bench_auditentry (LIKE core_auditentry INCLUDING ALL)"


def bare(request):
    return JsonResponse({"ok": True})


@csrf_exempt
@require_http_methods(["POST"])
def raw_award(request):
    try:
        # The community comes with the request, as in the award API: its id is the account's chain.
        account_id, chain = int(request.GET["account"]), int(request.GET["community"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest("account=<id>&community=<id>")
    lock = request.GET.get("lock", "1") != "0"
    now = timezone.now()
    key = os.urandom(12).hex()
    with transaction.atomic(), connection.cursor() as cursor:
        if lock:  # the chain's lock and its head in one round trip, as gongzhi.core.audit does
            cursor.execute("SELECT core_audit_lock_chain(%s, %s)", [CHAIN_LOCK, chain])
            head = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id, org_unit_id FROM points_pointaccount WHERE id = %s AND org_unit_id = %s FOR NO KEY UPDATE",
            [account_id, chain],
        )
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"ok": False}, status=404)
        _id, unit = row
        cursor.execute(
            "INSERT INTO points_pointentry (account_id, org_unit_id, kind, points, quantity, note, source,"
            " idempotency_key, created_at) VALUES (%s, %s, 'award', 1, 1, '', 'bench', %s, %s) RETURNING id",
            [account_id, unit, key, now],
        )
        entry_id = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE points_pointaccount SET balance = balance + 1, lifetime_earned = lifetime_earned + 1"
            " WHERE id = %s",
            [account_id],
        )
        # Without the chain's lock the chain cannot be kept: that variant writes its audit row, with
        # the same columns and indexes, into bench_auditentry (a copy of the audit table that
        # bench/probe.py creates), so the real chain stays verifiable.
        table = "core_auditentry" if lock else "bench_auditentry"
        if not lock:
            cursor.execute(
                "SELECT hmac FROM bench_auditentry WHERE chain = %s ORDER BY id DESC LIMIT 1", [chain]
            )
            head = (cursor.fetchone() or [None])[0]
        entry = AuditEntry(
            chain=chain,
            at=now,
            org_unit_id=unit,
            action="bench.raw_award",
            object_type="points.pointentry",
            object_id=str(entry_id),
            detail={"account": account_id, "points": 1},
            prev_hmac=head or "",
        )
        # The real chain link, so that core_audit_verify still holds after a run.
        entry.hmac = compute_hmac(entry)
        cursor.execute(
            f"INSERT INTO {table} (at, kind, actor_name, role, org_unit_id, action, object_type,"  # noqa: S608  # nosec B608
            " object_id, outcome, detail, chain, prev_hmac, hmac) VALUES (%s, 'write', '', '', %s, %s, %s, %s,"
            " 'success', %s, %s, %s, %s)",
            [
                now,
                unit,
                entry.action,
                entry.object_type,
                entry.object_id,
                json.dumps(entry.detail),
                chain,
                entry.prev_hmac,
                entry.hmac,
            ],  # fmt: skip
        )
    return JsonResponse({"ok": True, "entry": entry_id})
