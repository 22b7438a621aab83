import datetime
import threading

import pytest
from django.db import connection

from gongzhi.core.errors import ApplicationError

from .. import services
from ..models import PaymentLine
from . import factories as f


@pytest.mark.postgres
def test_two_batches_of_the_same_month_at_once_pay_each_beneficiary_once(
    transactional_db, tree, make_user, roles
):
    progs = f.programmes(tree)
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    secretary = make_user(roles.SECRETARY, tree.community_a)
    street = make_user(roles.STREET_STAFF, tree.street)
    county = make_user(roles.COUNTY_STAFF, tree.district)
    for age in (81, 84, 88, 93):
        hh, (p,) = f.household(tree.grid_a1, members=((age, "head"),))
        f.enrol(
            programme=progs["elderly"],
            hh=hh,
            beneficiary=p,
            staff=staff,
            secretary=secretary,
            street=street,
            county=county,
        )
    month = datetime.date(2026, 6, 1)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(actor):
        try:
            barrier.wait()
            batch = services.batch_create(
                actor=actor, programme=progs["elderly"], community=tree.community_a, month=month
            )
            outcomes.append(("ok", batch.line_count))
        except ApplicationError as exc:
            outcomes.append(("refused", exc.code))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (staff, secretary)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [("ok", 4), ("refused", "nothing_to_pay")]
    assert PaymentLine.objects.filter(month=month).count() == 4
