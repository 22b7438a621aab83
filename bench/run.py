"""`make bench`: seed, serve with gunicorn, load, check, report. Every figure stands beside a ceiling
measured in the same run on the same machine, since absolute times on a shared machine are noise.

Environment:
    BENCH_DATABASE_URL  the district database (default postgres://postgres@127.0.0.1:5432/gongzhi_bench);
                        the community-scale database is the same name with `_community`
    BENCH_QUICK=1       community scale only, 2-second runs, a 2,000-row import (a few minutes)
    BENCH_DURATION      seconds per measured run (default 8; quick 2)
    BENCH_IMPORT_ROWS   rows of the import comparison (default 100000; quick 2000)
    BENCH_PORT          gunicorn's port (default 8765)
    BENCH_IMPORT_JSON   read the import comparison from this file (the output of `bench/probe.py import`,
                        run apart) instead of measuring it in the run

A database whose marker (the root org unit, see gongzhi.benchsupport.seed) names the same scale is
reused; any other is dropped and seeded again. Results: bench/results/latest.json and latest.md."""

import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PY = sys.executable
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gongzhi_bench")
DURATION = float(os.environ.get("BENCH_DURATION", "2" if QUICK else "8"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "2000" if QUICK else "100000"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CONCURRENCY = [1, 8, 32]
SCALES = ["community"] if QUICK else ["community", "district"]
WORKERS = os.cpu_count() or 1
MAX_REQUESTS = 20_000
VERSION = "v1"
PAGES = ["case_queue", "resident_search", "resident_list", "case_metrics", "participation_stats"]
WRITES = ["award", "redemption", "case_submit"]


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


# --- databases --------------------------------------------------------------------------------------


def db_url(scale: str) -> str:
    if scale == "district":
        return BASE_URL
    parts = urllib.parse.urlsplit(BASE_URL)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_community"))


def _admin(url: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _dbname(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def env_for(url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=url, GONGZHI_ENV="development", DEBUG="false", **extra)
    return env


def manage(url: str, *args, check=True) -> str:
    done = subprocess.run(  # noqa: S603  # nosec B603 - our own interpreter and manage.py
        [PY, "manage.py", *args], cwd=ROOT, env=env_for(url), capture_output=True, text=True, check=False
    )
    if check and done.returncode:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def probe(url: str, *args) -> dict:
    done = subprocess.run(  # noqa: S603  # nosec B603
        [PY, "bench/probe.py", *args], cwd=ROOT, env=env_for(url), capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"probe {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure_seeded(scale: str) -> dict:
    url = db_url(scale)
    wanted = f"bench:{scale}:{VERSION}"
    try:
        marker = manage(url, "bench_seed", "--marker").strip()
    except RuntimeError:
        marker = ""
    if marker == wanted:
        # Seeded by an older tree: bring its schema up to this one (the migrations backfill what
        # they add) rather than measure pages against missing columns.
        started = time.monotonic()
        manage(url, "migrate", "--noinput", "-v0")
        log(
            f"{scale}: reusing {_dbname(url)} (marker {marker}), migrated in {time.monotonic() - started:.1f}s"
        )
        return {"reused": True, "migrate_seconds": round(time.monotonic() - started, 1)}
    log(f"{scale}: creating {_dbname(url)} and seeding")
    name = _dbname(url)
    _admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(url, f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    manage(url, "migrate", "--noinput", "-v0")
    migrate_s = time.monotonic() - started
    out = manage(url, "bench_seed", "--scale", scale, "--json")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(reused=False, migrate_seconds=round(migrate_s, 1))
    log(f"{scale}: seeded in {result['seconds']}s")
    return result


# --- the server ---------------------------------------------------------------------------------------


class Server:
    def __init__(self, url: str, scale: str):
        self.url, self.scale = url, scale
        self.base = f"http://127.0.0.1:{PORT}"

    def __enter__(self):
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.logfile = open(RESULTS / f"gunicorn-{self.scale}.log", "w")  # noqa: SIM115
        env = env_for(
            self.url,
            GONGZHI_BENCH="1",
            # The API's per-user and per-IP rate limits would refuse a load generator on one IP.
            GONGZHI_API_RATE_IP="1000000000",
            GONGZHI_API_RATE_USER="1000000000",
        )
        self.proc = subprocess.Popen(  # noqa: S603  # nosec B603
            [
                PY,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{PORT}",
                "--timeout",
                "120",
                "--backlog",
                "256",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/bench/bare/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer within 60 s; see bench/results/gunicorn-*.log")

    def worker_pids(self) -> list[int]:
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.proc.pid}$", text, re.M):
                pids.append(int(status.parent.name))
        return pids

    def peak_rss_mb(self) -> dict[str, float]:
        """Each worker's peak resident set (VmHWM), in MB."""
        out = {}
        for pid in self.worker_pids():
            match = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
            if match:
                out[str(pid)] = round(int(match.group(1)) / 1024, 1)
        return out

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.logfile.close()


# --- scenarios ------------------------------------------------------------------------------------------


def scenarios(ctx: dict) -> dict:
    """name -> make_request(i). Random choices come from a seeded generator per scenario."""
    rng = random.Random(7)
    residents = ctx["residents"]
    lo, hi = ctx["account_min"], ctx["account_max"]
    staff = {"Authorization": f"Bearer {ctx['staff_token']}"}
    cookie = ctx["session_cookie"]
    sessions = ctx["sessions"]

    def page(path, who):
        headers = {"Cookie": f"{cookie}={sessions[who]}"}
        return lambda i: ("GET", path, {"headers": headers})

    def award(i):
        body = {
            "community_id": ctx["community_id"],
            "resident_id": rng.choice(residents),
            "rule_code": "bench",
            "quantity": 1,
            "idempotency_key": f"bench-{uuid.uuid4().hex}",
        }
        return "POST", "/api/v1/points/awards", {"json": body, "headers": staff}

    def redemption(i):
        # Every tenth asks for the scarce reward (stock 20): refusals (409) once it is gone.
        reward = ctx["reward_scarce"] if i % 10 == 0 else ctx["reward_plenty"]
        body = {
            "community_id": ctx["community_id"],
            "resident_id": rng.choice(residents),
            "items": [{"reward_id": reward, "quantity": 1}],
            "idempotency_key": f"bench-{uuid.uuid4().hex}",
        }
        return "POST", "/api/v1/points/redemptions", {"json": body, "headers": staff}

    tokens = ctx["resident_tokens"]
    cid = ctx["community_id"]

    def case_submit(i):
        body = {
            "category_code": ctx["category_code"],
            "description": "基准测试：楼道灯不亮。",
            "org_unit": ctx["grid_ids"][i % len(ctx["grid_ids"])],
        }
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        return "POST", "/api/v1/cases", {"json": body, "headers": headers}

    return {
        "bare": lambda i: ("GET", "/bench/bare/", {}),
        "raw_award": lambda i: (
            "POST",
            f"/bench/raw-award/?account={rng.randint(lo, hi)}&community={cid}",
            {},
        ),
        "raw_award_nolock": lambda i: (
            "POST",
            f"/bench/raw-award/?account={rng.randint(lo, hi)}&community={cid}&lock=0",
            {},
        ),
        "award": award,
        "redemption": redemption,
        "case_submit": case_submit,
        "case_queue": page("/cases/", "grid_worker"),
        "resident_search": page("/registry/residents/?q=%E6%89%8E%E8%A5%BF", "staff"),
        "resident_list": page("/registry/residents/", "staff"),
        "case_metrics": page("/cases/metrics/", "staff"),
        "participation_stats": page("/activities/stats/", "staff"),
    }


PGBENCH_SCRIPT = """\\set aid random({lo}, {hi})
BEGIN;
SELECT core_audit_lock_chain(1786382861, {community});
SELECT id, org_unit_id FROM points_pointaccount WHERE id = :aid FOR NO KEY UPDATE;
INSERT INTO points_pointentry (account_id, org_unit_id, kind, points, quantity, note, source, idempotency_key, created_at)
  SELECT :aid, org_unit_id, 'award', 1, 1, '', 'pgbench', md5(random()::text || clock_timestamp()::text), now()
  FROM points_pointaccount WHERE id = :aid;
UPDATE points_pointaccount SET balance = balance + 1, lifetime_earned = lifetime_earned + 1 WHERE id = :aid;
INSERT INTO bench_auditentry (at, kind, actor_name, role, action, object_type, object_id, outcome, detail, chain, prev_hmac, hmac)
  VALUES (now(), 'write', '', '', 'bench.pgbench', 'points.pointentry', '', 'success', '{{}}', {community}, '',
          md5(random()::text) || md5(clock_timestamp()::text));
END;
"""


def pgbench(url: str, ctx: dict, concurrency: int) -> dict:
    """The database's own limit: the award's SQL from pgbench. Its audit rows go to a copy of the
    audit table (pgbench cannot compute the chain's HMAC), so the real chain stays verifiable."""
    exe = shutil.which("pgbench")
    if exe is None:
        return {"concurrency": concurrency, "skipped": "pgbench is not installed"}
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_auditentry (LIKE core_auditentry INCLUDING ALL)")
    script = RESULTS / "pgbench_award.sql"
    script.write_text(
        PGBENCH_SCRIPT.format(lo=ctx["account_min"], hi=ctx["account_max"], community=ctx["community_id"])
    )
    done = subprocess.run(  # noqa: S603  # nosec B603
        [
            exe,
            "-n",
            "-c",
            str(concurrency),
            "-j",
            str(min(concurrency, WORKERS)),
            "-T",
            str(max(1, int(DURATION))),
            "-f",
            str(script),
            url,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=False,
    )
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    lat = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return {
        "concurrency": concurrency,
        "tps": float(tps.group(1)) if tps else None,
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "failed": int(failed.group(1)) if failed else None,
        "error": None if done.returncode == 0 else done.stderr[-500:],
    }


# --- one scale ------------------------------------------------------------------------------------------


def run_scale(scale: str) -> dict:
    url = db_url(scale)
    out = {"seed": ensure_seeded(scale)}
    out["vacuum"] = probe(url, "vacuum")  # a reused database: earlier runs' writes and rolled-back imports
    log(f"{scale}: VACUUM ANALYZE in {out['vacuum']['vacuum_seconds']}s")
    ctx = probe(url, "prepare")
    log(f"{scale}: prepared ({len(ctx['residents'])} residents, {len(ctx['resident_tokens'])} tokens)")
    out["queries"] = probe(url, "queries")
    log(f"{scale}: query counts { ({k: v['queries'] for k, v in out['queries'].items()}) }")
    out["fresh_figures"] = probe(url, "fresh")
    log(f"{scale}: dashboards computed afresh (ms) {out['fresh_figures']}")
    makers = scenarios(ctx)
    runs: dict[str, dict[str, dict]] = {}
    with Server(url, scale) as server:
        for name, make in makers.items():
            runs[name] = {}
            for c in CONCURRENCY:
                result = load.run(
                    server.base, make, concurrency=c, duration=DURATION, max_requests=MAX_REQUESTS, warmup=1.0
                )
                runs[name][str(c)] = result
                log(
                    f"{scale} {name:20s} c={c:<2d} {result['rps']:8.1f} req/s  p50 {result['p50_ms']} "
                    f"p95 {result['p95_ms']} p99 {result['p99_ms']} ms  statuses {result['statuses']}"
                    + (f" exceptions {result['exceptions']}" if result["exceptions"] else "")
                )
        out["peak_rss_mb"] = server.peak_rss_mb()
    out["runs"] = runs
    out["pgbench"] = {}
    for c in CONCURRENCY:
        out["pgbench"][str(c)] = pgbench(url, ctx, c)
        log(f"{scale} pgbench c={c}: {out['pgbench'][str(c)]}")
    out["verify"] = probe(url, "verify")
    log(f"{scale}: after the load {out['verify']}")
    return out


# --- report ---------------------------------------------------------------------------------------------


def machine() -> dict:
    match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    cpu = match.group(1) if match else ""
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    import django
    import psycopg

    with psycopg.connect(db_url(SCALES[0])) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "gunicorn_workers": WORKERS,
        "load_average_start": os.getloadavg(),
    }


def targets(result: dict) -> list[dict]:
    scales = result["scales"]
    main = scales.get("district") or scales["community"]
    rows = []

    def rps(scale, name, c):
        return scale["runs"][name][str(c)]["rps"]

    award, raw = rps(main, "award", 32), rps(main, "raw_award", 32)
    pg = main["pgbench"]["32"].get("tps")
    rows.append(
        {
            "target": "award throughput at c=32 >= 50% of the raw-SQL ceiling view",
            "value": f"{award} / {raw} req/s = {award / raw:.0%}"
            + (f"; {award / pg:.1%} of pgbench's {pg} TPS" if pg else ""),
            "met": award >= 0.5 * raw,
        }
    )
    if "district" in scales and "community" in scales:
        bare_d = scales["district"]["runs"]["bare"]["8"]["p95_ms"]
        bare_c = scales["community"]["runs"]["bare"]["8"]["p95_ms"]
        for name in PAGES + WRITES:
            d = scales["district"]["runs"][name]["8"]["p95_ms"]
            c = scales["community"]["runs"][name]["8"]["p95_ms"]
            qd = scales["district"]["queries"].get(name, {}).get("queries")
            qc = scales["community"]["queries"].get(name, {}).get("queries")
            same = qd == qc
            norm = (d / bare_d) / (c / bare_c)
            rows.append(
                {
                    "target": f"{name}: p95 at district <= 2x community (c=8), equal query counts",
                    "value": f"{d} / {c} ms = {d / c:.2f}x ({norm:.2f}x as multiples of each run's bare p95)"
                    + (f"; queries {qd} vs {qc}" if qd is not None else ""),
                    "met": d <= 2 * c and same,
                }
            )
    bare = main["runs"]["bare"]["8"]["p95_ms"]
    for name in PAGES + WRITES:
        p95 = main["runs"][name]["8"]["p95_ms"]
        rows.append(
            {
                "target": f"{name}: p95 at c=8 <= 10x the bare view's p95 ({main['label']})",
                "value": f"{p95} / {bare} ms = {p95 / bare:.1f}x",
                "met": p95 <= 10 * bare,
            }
        )
    peak = max(v for s in scales.values() for v in s["peak_rss_mb"].values())
    rows.append(
        {"target": "peak RSS per gunicorn worker <= 250 MB", "value": f"{peak} MB", "met": peak <= 250}
    )
    imp = result.get("import", {})
    if "ratio" in imp:
        rows.append(
            {
                "target": "import >= 30% of a bare bulk_create's rate",
                "value": f"{imp['import_rows_per_s']} / {imp['bare_rows_per_s']} rows/s = {imp['ratio']:.0%} ({imp['rows']} rows)",
                "met": imp["ratio"] >= 0.3,
            }
        )
    for label, s in scales.items():
        rows.append(
            {
                "target": f"correctness after the load ({label})",
                "value": _verify_text(s["verify"]),
                "met": s["verify"]["clean"],
            }
        )
    return rows


def _verify_text(v: dict) -> str:
    return (
        f"points_verify problems {v['points_verify_problems']}, negative balances {v['negative_balances']}, "
        f"negative stock {v['negative_stock']}, double bookings {v['double_bookings']}, audit chain "
        f"{'intact' if v['audit_chain_break'] is None else 'BROKEN at ' + str(v['audit_chain_break'])} "
        f"({v['audit_entries']} entries)"
    )


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"# Gongzhi benchmark — {result['finished_at']}",
        "",
        f"Mode: {'QUICK (community scale only, short runs)' if result['quick'] else 'full'}; "
        f"{result['duration_s']} s per measured run after 1 s of warm-up; concurrency {', '.join(map(str, CONCURRENCY))}.",
        "",
        "## Machine",
        "",
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; Python {m['python']}, Django {m['django']}, "
        f"PostgreSQL {m['postgresql']}; gunicorn with {m['gunicorn_workers']} sync workers; the load generator, "
        f"gunicorn and PostgreSQL share the machine. Load average at start {m['load_average_start']}, "
        f"at the end {result['load_average_end']} (other work was running: read figures as ratios).",
        "",
        "## Targets",
        "",
        "| target | figure | met |",
        "|---|---|---|",
    ]
    for t in result["targets"]:
        lines.append(f"| {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |")
    for label, s in result["scales"].items():
        lines += ["", f"## {label} scale", ""]
        seed = s["seed"]
        if seed.get("reused"):
            lines.append("Seed: reused the database already seeded at this scale.")
        else:
            lines.append(
                f"Seed: {seed['seconds']} s (migrate {seed['migrate_seconds']} s); steps {seed['steps']}."
            )
            lines.append(f"Rows: {seed.get('counts')}.")
        lines += [
            "",
            "| scenario | c | req/s | p50 ms | p95 ms | p99 ms | p95 / bare p95 | statuses |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, by_c in s["runs"].items():
            for c, r in by_c.items():
                bare = s["runs"]["bare"][c]["p95_ms"]
                ratio = f"{r['p95_ms'] / bare:.1f}x" if r["p95_ms"] and bare else ""
                statuses = ", ".join(f"{k}: {v}" for k, v in r["statuses"].items())
                if r["exceptions"]:
                    statuses += f"; {r['exceptions']}"
                lines.append(
                    f"| {name} | {c} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {ratio} | {statuses} |"
                )
        for c, p in s["pgbench"].items():
            lines.append(
                f"| pgbench (award SQL) | {c} | {p.get('tps')} TPS | avg {p.get('latency_avg_ms')} | | | | failed {p.get('failed')} |"
            )
        lines += ["", "SQL queries per page (in-process, CaptureQueriesContext): "
                  + ", ".join(f"{k} {v['queries']}" for k, v in s["queries"].items()), ""]  # fmt: skip
        lines.append(f"Peak RSS per worker (MB): {s['peak_rss_mb']}")
        lines.append(f"After the load: {_verify_text(s['verify'])} (checked in {s['verify']['seconds']} s).")
    if "district" in result["scales"] and "community" in result["scales"]:
        bare_c = result["scales"]["community"]["runs"]["bare"]["8"]["p95_ms"]
        bare_d = result["scales"]["district"]["runs"]["bare"]["8"]["p95_ms"]
        lines += [
            "",
            "## Growth (district / community, p95 at c=8)",
            "",
            "The two scales ran minutes apart on a shared machine: the bare view's p95 at c=8 was "
            f"{bare_c} ms in the community run and {bare_d} ms in the district run ({bare_d / bare_c:.2f}x). "
            "The last column divides each page's ratio by that drift.",
            "",
            "| page | community p95 | district p95 | ratio | queries c / d | ratio / bare drift |",
            "|---|---|---|---|---|---|",
        ]
        for name in PAGES + WRITES:
            c = result["scales"]["community"]["runs"][name]["8"]["p95_ms"]
            d = result["scales"]["district"]["runs"][name]["8"]["p95_ms"]
            qc = result["scales"]["community"]["queries"].get(name, {}).get("queries", "")
            qd = result["scales"]["district"]["queries"].get(name, {}).get("queries", "")
            lines.append(
                f"| {name} | {c} | {d} | {d / c:.2f}x | {qc} / {qd} | {(d / c) / (bare_d / bare_c):.2f}x |"
            )
        fresh_c = result["scales"]["community"].get("fresh_figures")
        fresh_d = result["scales"]["district"].get("fresh_figures")
        if fresh_c and fresh_d:
            lines += [
                "",
                "The dashboards serve figures kept for five minutes per question (gongzhi/core/figures.py), so "
                "the load runs above mostly read kept figures. What computing them afresh costs, in-process "
                "(median of 15 calls, cache off; not a target):",
                "",
                "| dashboard | community ms | district ms | ratio |",
                "|---|---|---|---|",
            ]
            for name, c_fig in fresh_c.items():
                d_fig = fresh_d.get(name, {})
                if d_fig:
                    ratio = d_fig["median_ms"] / max(c_fig["median_ms"], 0.01)
                    lines.append(f"| {name} | {c_fig['median_ms']} | {d_fig['median_ms']} | {ratio:.2f}x |")
    imp = result.get("import", {})
    if imp:
        lines += ["", "## Import", ""]
        if imp.get("measured_apart"):
            lines.append(
                f"Measured apart from the load runs (`bench/probe.py import`, {imp['measured_apart']})."
            )
            lines.append("")
        lines += [f"    {line}" for line in imp.get("output", [])]
    lines.append("")
    return "\n".join(lines)


def report_only() -> int:
    """Rewrite the targets and latest.md from latest.json (after a change to the report)."""
    result = json.loads((RESULTS / "latest.json").read_text())
    result["targets"] = targets(result)
    (RESULTS / "latest.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    (RESULTS / "latest.md").write_text(markdown(result))
    return 0


def main() -> int:
    if "--report-only" in sys.argv:
        return report_only()
    # A stopped run stops its gunicorn too (Server.__exit__ runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    result = {
        "quick": QUICK,
        "duration_s": DURATION,
        "started_at": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    result["machine"] = machine() if _ensure_first() else {}
    result["scales"] = {}
    for scale in SCALES:
        result["scales"][scale] = run_scale(scale)
        result["scales"][scale]["label"] = scale
    saved = os.environ.get("BENCH_IMPORT_JSON")
    if saved:
        # An import measured apart (it takes long on a loaded machine): `bench/probe.py import` output.
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            lines = Path(saved).read_text().strip().splitlines() if Path(saved).exists() else []
            if lines and lines[-1].startswith("{"):
                break
            log(f"import: waiting for {saved}")
            time.sleep(30)
        try:
            result["import"] = json.loads(lines[-1])
            result["import"]["measured_apart"] = saved
        except (IndexError, ValueError):
            result["import"] = {"error": f"no result in {saved}"}
        log(f"import: read from {saved}")
    else:
        log(f"import: {IMPORT_ROWS} residents through the registry import vs a bare bulk_create")
        result["import"] = probe(db_url("community"), "import", "--rows", str(IMPORT_ROWS))
    log(
        f"import: {result['import'].get('import_rows_per_s')} vs {result['import'].get('bare_rows_per_s')} rows/s"
    )
    result["load_average_end"] = os.getloadavg()
    result["finished_at"] = datetime.datetime.now().isoformat(timespec="seconds")
    result["total_seconds"] = round(time.monotonic() - started, 1)
    result["targets"] = targets(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    (RESULTS / "latest.md").write_text(markdown(result))
    log(f"done in {result['total_seconds']} s: bench/results/latest.md")
    for t in result["targets"]:
        log(f"{'MET ' if t['met'] else 'MISS'} {t['target']}: {t['value']}")
    return 0


def _ensure_first() -> bool:
    ensure_seeded(SCALES[0])
    return True


if __name__ == "__main__":
    sys.exit(main())
