"""Concurrent requests for one slot: exactly one wins, the others hear "slot_taken". On SQLite the
IMMEDIATE transaction serialises the check and the insert; on PostgreSQL the exclusion constraint
refuses the loser of the race even when both passed the check."""

import threading

import pytest
from django.db import connection

from gongzhi.core.errors import ApplicationError
from gongzhi.venues import services
from gongzhi.venues.models import Booking

from .factories import at, make_room

THREADS = 6


def _race(users, room, start, end):
    barrier = threading.Barrier(len(users))
    outcomes = []
    lock = threading.Lock()

    def worker(user):
        try:
            barrier.wait()
            services.booking_create(actor=user, room=room, start=start, end=end, purpose="并发", headcount=2)
            result = "ok"
        except ApplicationError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_never_overlap(tree, make_user, roles):
    room = make_room(tree.community_a)
    users = [make_user(roles.COMMUNITY_STAFF, tree.community_a) for _ in range(THREADS)]
    # Overlapping but not identical requests, so an equality check alone would not catch them.
    outcomes = _race(users, room, at(4, 10), at(4, 12))
    assert outcomes.count("ok") == 1
    assert outcomes.count("slot_taken") == THREADS - 1
    assert Booking.objects.filter(room=room, status="confirmed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_constraint_decides_when_both_pass_the_check(tree, make_user, roles, monkeypatch):
    """Blind the service's own overlap check: the exclusion constraint alone must keep one booking."""
    room = make_room(tree.community_a)
    users = [make_user(roles.COMMUNITY_STAFF, tree.community_a) for _ in range(THREADS)]
    monkeypatch.setattr(services, "overlapping", lambda *a, **k: Booking.objects.none())
    outcomes = _race(users, room, at(4, 10), at(4, 12))
    assert outcomes.count("ok") == 1
    assert outcomes.count("slot_taken") == THREADS - 1
    assert Booking.objects.filter(room=room, status="confirmed").count() == 1
