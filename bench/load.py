"""An asyncio httpx load generator, bounded in requests and in time.

`run(make_request, concurrency=8, duration=10, max_requests=5000)` keeps `concurrency` requests
in flight (closed loop: each virtual user sends its next request when the previous one answered)
until `duration` seconds have passed or `max_requests` have been sent, after a short warm-up that
is not counted. `make_request(i)` returns (method, path, kwargs for httpx). The result gives the
throughput of the measured window, latency percentiles of the successful answers, and the
status codes seen (an error is any status >= 500, a refused connection or a timeout; 4xx answers
are counted apart, since a 409 "out of stock" is a correct answer under load)."""

import asyncio
import itertools
import math
import time
from collections import Counter

import httpx


def percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


async def _run(base_url, make_request, concurrency, duration, max_requests, warmup, timeout):
    counter = itertools.count()
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        measuring = False
        stop_at = None

        async def one(record: bool):
            i = next(counter)
            method, path, kwargs = make_request(i)
            started = time.perf_counter()
            try:
                response = await client.request(method, path, **kwargs)
                status = response.status_code
            except httpx.HTTPError as exc:
                if record:
                    errors[type(exc).__name__] += 1
                return
            took = time.perf_counter() - started
            if record:
                statuses[status] += 1
                if status < 500:
                    latencies.append(took)

        async def user():
            while True:
                if stop_at is not None and time.perf_counter() >= stop_at:
                    return
                record = measuring
                if record and sent[0] >= max_requests:
                    return
                if record:
                    sent[0] += 1
                await one(record)

        sent = [0]
        # Warm-up: connections opened, caches and the database's buffers warm; not counted.
        warm_end = time.perf_counter() + warmup
        stop_at = warm_end
        await asyncio.gather(*(user() for _ in range(concurrency)))
        measuring = True
        started = time.perf_counter()
        stop_at = started + duration
        await asyncio.gather(*(user() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    ok = sum(n for s, n in statuses.items() if s < 400)
    server_errors = sum(n for s, n in statuses.items() if s >= 500) + sum(errors.values())
    ms = lambda v: None if v is None else round(v * 1000, 2)  # noqa: E731
    return {
        "concurrency": concurrency,
        "requests": sum(statuses.values()) + sum(errors.values()),
        "ok": ok,
        "client_errors": sum(n for s, n in statuses.items() if 400 <= s < 500),
        "errors": server_errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "exceptions": dict(errors),
        "seconds": round(elapsed, 2),
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": ms(percentile(latencies, 50)),
        "p95_ms": ms(percentile(latencies, 95)),
        "p99_ms": ms(percentile(latencies, 99)),
    }


def run(
    base_url: str,
    make_request,
    *,
    concurrency: int = 8,
    duration: float = 10.0,
    max_requests: int = 5000,
    warmup: float = 1.0,
    timeout: float = 60.0,
) -> dict:
    return asyncio.run(_run(base_url, make_request, concurrency, duration, max_requests, warmup, timeout))


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="GET one URL under load.")
    parser.add_argument("url")
    parser.add_argument("-c", "--concurrency", type=int, default=8)
    parser.add_argument("-d", "--duration", type=float, default=5)
    parser.add_argument("-n", "--max-requests", type=int, default=5000)
    args = parser.parse_args()
    base, _, path = args.url.partition("//")[2].partition("/")
    result = run(
        f"{args.url.split('//')[0]}//{base}",
        lambda i: ("GET", "/" + path, {}),
        concurrency=args.concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
    )
    print(json.dumps(result, indent=2))
