"""Dashboard figures, computed at most once per few minutes for the same question, and afresh as
soon as a write changes what they count.

The participation statistics and the case metrics aggregate a year of a scope's rows on every
view: at district scale 45 ms and 10-20 ms of database time per view on the bench machine, growing
with the rows of the scope (docs/performance.md). So the figures for the same question (the same
scope, filters and language) are kept in the cache for GONGZHI_FIGURES_CACHE_SECONDS (5 minutes by
default; 0 turns it off), and every page shows when its figures were computed.

Kept figures must not hide what a user has just done: a secretary who watched a case close expects
it counted. Every write the figures count calls `touch(namespace, path...)` with the org units it
changed; after commit that gives a new version to each of the units' ancestors (and to "*", which
every unit is under). Kept figures are filed under the versions of their scope's paths, so a write
anywhere in a scope files its next figures under a new key, while writes in other communities
leave them kept. With REDIS_URL set the cache, and so the versions, are shared by every process;
without it each process has its own, and a write made in another process (the background worker's
automatic closing, another gunicorn worker) shows once the kept figures expire."""

import hashlib
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

EVERYWHERE = "*"


def _version_key(namespace: str, path: str) -> str:
    return f"gz:figures:v:{namespace}:{path}"


def _ancestors(path: str) -> list[str]:
    """Every path the org unit at `path` lies under, itself included (for /1/5/: /1/ and /1/5/)."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def touch(namespace: str, *paths: str | None) -> None:
    """After the current transaction commits, file the figures of every scope containing one of
    `paths` (materialised org unit paths) under a new version. Nothing happens on rollback."""
    seconds = settings.GONGZHI_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return
    keys = {_version_key(namespace, EVERYWHERE)}
    for path in paths:
        if path:
            keys.update(_version_key(namespace, p) for p in _ancestors(path))
    token = secrets.token_hex(6)
    # A version outlives every figure filed under the one before it (kept `seconds` at most), so a
    # version that expired can never bring back figures older than a write. Robust: the write has
    # committed; a cache that cannot be reached is logged, never turned into an error page.
    transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, token), seconds * 2 + 60), robust=True)


def cached(
    namespace: str, question: tuple, compute: Callable[[], dict], *, scope: Iterable[str] | None = None
) -> dict:
    """`compute()` with an "as_of" time added, or the copy kept for the same `question` (a tuple of
    everything the figures depend on, compared by its repr) and the same versions of `scope`: the
    paths whose rows the figures count; None when they may count rows anywhere (a partner unit's
    joint cases), so that any write computes them afresh."""
    seconds = settings.GONGZHI_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return {**compute(), "as_of": timezone.now()}
    paths = sorted(set(scope)) if scope is not None else [EVERYWHERE]
    version_keys = [_version_key(namespace, p) for p in paths]
    versions = cache.get_many(version_keys)
    filed_under = (question, tuple(versions.get(k) for k in version_keys))
    key = f"gz:figures:{namespace}:" + hashlib.sha256(repr(filed_under).encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = {**compute(), "as_of": timezone.now()}
        cache.set(key, figures, seconds)
    return figures
