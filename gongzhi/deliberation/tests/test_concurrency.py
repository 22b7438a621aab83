"""Real concurrency on PostgreSQL: two members of one household vote at the same instant."""

import threading

import pytest
from django.db import connection

from gongzhi.deliberation import services
from gongzhi.deliberation.models import Vote


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_of_one_household_voting_at_once_leave_one_vote(world):
    for round_no in range(5):
        topic = services.topic_create(
            actor=world.secretary, org_unit=world.tree.community_a, title=f"议题{round_no}", description="d"
        )
        decision = services.decision_open(actor=world.secretary, topic=topic, method="households")
        results, barrier = [], threading.Barrier(2)

        def vote(user, choice, decision=decision, results=results, barrier=barrier):
            try:
                barrier.wait()
                results.append(services.vote_cast(actor=user, decision=decision, choice=choice).pk)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=vote, args=(world.alice, "yes")),
            threading.Thread(target=vote, args=(world.alice_spouse, "no")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        votes = Vote.objects.filter(decision=decision)
        assert len(results) == 2 and len(set(results)) == 1  # both calls answered, with the same ballot
        assert votes.count() == 1
        vote_row = votes.get()
        assert vote_row.household_id == world.household.pk and vote_row.changes == 1
        closed = services.decision_close(actor=world.secretary, decision=decision)
        assert closed.yes + closed.no == 1
