"""The Django side of a bench run, called by bench/run.py with DATABASE_URL set to one seeded database.

    python bench/probe.py prepare          sign-ins (API tokens, staff sessions) and the ids the load uses
    python bench/probe.py queries          each measured page's SQL query count (CaptureQueriesContext)
    python bench/probe.py fresh            the dashboards' figures computed afresh (cache off), in-process
    python bench/probe.py verify           correctness after the load
    python bench/probe.py import --rows N  the registry import beside a bare bulk_create

Each prints one JSON object on its last line."""

import argparse
import json
import os
import re
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402

from gongzhi.accounts.models import ApiToken, TOTPDevice, User  # noqa: E402
from gongzhi.accounts.services import TOKEN_PREFIX, _hash_token  # noqa: E402
from gongzhi.benchsupport.seed import ROOT_CODE  # noqa: E402
from gongzhi.core.models import OrgUnit  # noqa: E402
from gongzhi.points.models import PointAccount, Reward  # noqa: E402
from gongzhi.registry.models import Resident  # noqa: E402

BACKEND = "gongzhi.accounts.backends.UsernameOrPhoneBackend"

# The measured pages: (name, user, path). The same paths are loaded by bench/run.py.
PAGES = [
    ("case_queue", "grid_worker", "/cases/"),
    ("resident_search", "staff", "/registry/residents/?q=%E6%89%8E%E8%A5%BF"),
    ("resident_list", "staff", "/registry/residents/"),
    ("case_metrics", "staff", "/cases/metrics/"),
    ("participation_stats", "staff", "/activities/stats/"),
]


def _first_community() -> OrgUnit:
    return OrgUnit.objects.get(code="BENCH-C001")


def _session_for(user: User) -> str:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return store.session_key


def _token_for(user: User) -> str:
    secret = TOKEN_PREFIX + os.urandom(24).hex()
    ApiToken.objects.create(user=user, name="bench", prefix=secret[:10], key_hash=_hash_token(secret))
    return secret


def prepare(_args) -> dict:
    from gongzhi.benchsupport.views import BENCH_AUDIT_TABLE_SQL

    with connection.cursor() as cursor:
        cursor.execute(BENCH_AUDIT_TABLE_SQL)
    community = _first_community()
    grid = OrgUnit.objects.filter(parent=community).order_by("code").first()
    staff = User.objects.get(username="bench_staff_c1")
    worker = User.objects.get(username="bench_grid_worker")
    residents = list(
        Resident.objects.filter(org_unit__parent=community).order_by("id").values_list("id", flat=True)[:3000]
    )
    accounts = PointAccount.objects.filter(org_unit=community).order_by("id").values_list("id", flat=True)
    rewards = {r.name: r.pk for r in Reward.objects.filter(org_unit=community)}
    return {
        "marker": OrgUnit.objects.get(code=ROOT_CODE).name,
        "community_id": community.pk,
        "grid_id": grid.pk,
        "grid_ids": list(OrgUnit.objects.filter(parent=community).values_list("id", flat=True)),
        "residents": residents,
        "account_min": accounts.first(),
        "account_max": accounts.last(),
        "reward_plenty": rewards["肥皂"],
        "reward_scarce": rewards["大米（限量）"],
        "category_code": "bench-lighting",
        "staff_token": _token_for(staff),
        "resident_tokens": [
            _token_for(u) for u in User.objects.filter(username__startswith="bench_resident_")
        ],
        "sessions": {"staff": _session_for(staff), "grid_worker": _session_for(worker)},
        "session_cookie": settings.SESSION_COOKIE_NAME,
    }


def queries(_args) -> dict:
    users = {
        "staff": User.objects.get(username="bench_staff_c1"),
        "grid_worker": User.objects.get(username="bench_grid_worker"),
    }
    out = {}
    for name, who, path in PAGES:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = _session_for(users[who])
        client.get(path)  # warm (first-request caches), not counted
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        out[name] = {
            "status": response.status_code,
            "queries": len(ctx.captured_queries),
            "bytes": len(response.content),
        }
    return out


def fresh(_args) -> dict:
    """The dashboards computed afresh, as a view computes them when its kept figures have expired
    (gongzhi/core/figures.py; the load runs mostly read kept figures): median and worst of 15 calls
    in-process, in ms, with the cache off."""
    import statistics

    from django.test import override_settings
    from django.utils import timezone

    from gongzhi.activities import selectors as activity_selectors
    from gongzhi.cases import selectors as case_selectors

    staff = User.objects.get(username="bench_staff_c1")
    year = timezone.localdate().year
    calls = {
        "case_metrics": lambda: case_selectors.metrics(user=staff),
        "participation_stats": lambda: activity_selectors.participation_stats(user=staff, year=year),
    }
    out = {}
    with override_settings(GONGZHI_FIGURES_CACHE_SECONDS=0):
        for name, call in calls.items():
            call()
            times = []
            for _ in range(15):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            out[name] = {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}
    return out


def verify(_args) -> dict:
    from gongzhi.core.audit import verify_chain
    from gongzhi.points.selectors import verify as points_verify

    started = time.monotonic()
    problems = points_verify()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM points_pointaccount WHERE balance < 0 OR lifetime_earned < 0")
        negative_balances = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM points_reward WHERE stock < 0")
        negative_stock = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM venues_booking a JOIN venues_booking b ON a.room_id = b.room_id AND a.id < b.id"
            " WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')"
            " AND a.start < b.end AND b.start < a.end"
        )
        double_bookings = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM core_auditentry")
        audit_entries = cursor.fetchone()[0]
    chain = verify_chain()
    return {
        "points_verify_problems": len(problems),
        "points_verify_first": problems[:3],
        "negative_balances": negative_balances,
        "negative_stock": negative_stock,
        "double_bookings": double_bookings,
        "audit_entries": audit_entries,
        "audit_chain_break": None if chain is None else {"entry": chain.entry_id, "reason": chain.reason},
        "clean": not problems
        and not negative_balances
        and not negative_stock
        and not double_bookings
        and chain is None,
        "seconds": round(time.monotonic() - started, 1),
    }


def vacuum(_args=None) -> dict:
    """VACUUM ANALYZE the whole database: fresh statistics and no dead rows before a load."""
    started = time.monotonic()
    with connection.cursor() as cursor:  # autocommit outside a transaction, as VACUUM needs
        cursor.execute("VACUUM ANALYZE")
    return {"vacuum_seconds": round(time.monotonic() - started, 1)}


def import_bench(args) -> dict:
    out = StringIO()
    call_command("registry_bench_import", rows=args.rows, stdout=out)
    text = out.getvalue()
    # The import was rolled back: its rows are dead tuples until vacuumed, and a reused database
    # would scan them (measured: the resident list's queries went from 4 to 40 ms).
    vacuum()
    imported = re.search(r"import: (\w+), (\d+) created in ([\d.]+)s = (\d+) rows/s", text)
    bare = re.search(r"bare bulk_create: ([\d.]+)s = (\d+) rows/s", text)
    result = {"rows": args.rows, "output": text.strip().splitlines()}
    if imported and bare:
        result.update(
            status=imported.group(1),
            created=int(imported.group(2)),
            import_seconds=float(imported.group(3)),
            import_rows_per_s=int(imported.group(4)),
            bare_seconds=float(bare.group(1)),
            bare_rows_per_s=int(bare.group(2)),
        )
        result["ratio"] = round(result["import_rows_per_s"] / max(1, result["bare_rows_per_s"]), 3)
    return result


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    sub.add_parser("queries")
    sub.add_parser("verify")
    sub.add_parser("fresh")
    sub.add_parser("vacuum")
    p = sub.add_parser("import")
    p.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    result = {
        "prepare": prepare,
        "queries": queries,
        "verify": verify,
        "fresh": fresh,
        "vacuum": vacuum,
        "import": import_bench,
    }[args.command](args)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
