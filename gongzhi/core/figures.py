"""Dashboard figures, computed at most once per few minutes for the same question.

The participation statistics and the case metrics aggregate a year of a scope's rows on every
view: at district scale 45 ms and 10-20 ms of database time per view on the bench machine, growing
with the rows of the scope (docs/performance.md). Dashboards may be a few minutes behind (they are
what a read replica would serve, too): the figures for the same question (the same scope, filters
and language) are kept in the cache for GONGZHI_FIGURES_CACHE_SECONDS (5 minutes by default; 0 turns
it off) and every page shows when its figures were computed. With REDIS_URL set the cache is shared
by every worker; without it each worker keeps its own."""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def cached(namespace: str, question: tuple, compute: Callable[[], dict]) -> dict:
    """`compute()` with an "as_of" time added, or the copy kept for the same `question`: a tuple of
    everything the figures depend on (scope paths, filters, language), compared by its repr."""
    seconds = settings.GONGZHI_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return {**compute(), "as_of": timezone.now()}
    key = f"gz:figures:{namespace}:" + hashlib.sha256(repr(question).encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = {**compute(), "as_of": timezone.now()}
        cache.set(key, figures, seconds)
    return figures
