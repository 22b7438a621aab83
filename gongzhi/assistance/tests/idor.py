"""IDOR cases of assistance (see core/tests/test_idor.py): an application, enrolment, review or
batch of community B, a staff member of community A, and A's object as the control. Assistance
files are sensitive personal data: another community's file must not even be confirmed to exist."""

import datetime

from gongzhi.assistance import services
from gongzhi.assistance.models import ReviewTask
from gongzhi.core.tests.test_idor import Case

from . import factories as f


class Side:
    """One community's assistance file: an elderly allowance enrolment (application walked through
    every step), an open review of it and a draft June batch."""

    def __init__(self, w, community, grid):
        if not hasattr(w, "assistance_programmes"):
            w.assistance_programmes = f.programmes(w.tree)
            w.assistance_street = w.make_user(w.roles.STREET_STAFF, w.tree.street)
            w.assistance_county = w.make_user(w.roles.COUNTY_STAFF, w.tree.district)
        staff = w.make_user(w.roles.COMMUNITY_STAFF, community)
        secretary = w.make_user(w.roles.SECRETARY, community)
        hh, (person,) = f.household(grid, members=((85, "head"),))
        self.enrolment = f.enrol(
            programme=w.assistance_programmes["elderly"],
            hh=hh,
            beneficiary=person,
            staff=staff,
            secretary=secretary,
            street=w.assistance_street,
            county=w.assistance_county,
        )
        self.application = self.enrolment.application
        self.review = ReviewTask.objects.create(
            enrolment=self.enrolment,
            org_unit=self.enrolment.org_unit,
            kind=ReviewTask.Kind.PERIODIC,
            reason="年度复核",
            due_date=datetime.date(2026, 12, 1),
        )
        self.batch = services.batch_create(
            actor=staff,
            programme=w.assistance_programmes["elderly"],
            community=community,
            month=datetime.date(2026, 6, 1),
        )


def _b(w):
    return Side(w, w.tree.community_b, w.tree.grid_b1)


def _a(w):
    return Side(w, w.tree.community_a, w.tree.grid_a1)


def of(attr, pick):
    return lambda w: getattr(pick(w), attr).pk


def _review(pick):
    def make(w):
        side = pick(w)
        return {"pk": side.enrolment.pk, "review_pk": side.review.pk}

    return make


def _batch_file(pick):
    return lambda w: {"pk": pick(w).batch.pk, "fmt": "csv"}


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


CASES = {
    "assistance:application_detail": Case(of("application", _b), _staff, own=of("application", _a)),
    "assistance:application_notice": Case(of("application", _b), _staff),
    "assistance:application_step": Case(
        of("application", _b), _staff, method="post", data={"action": "check"}
    ),
    "assistance:application_document": Case(of("application", _b), _staff, method="post", data={}),
    "assistance:enrolment_detail": Case(of("enrolment", _b), _staff, own=of("enrolment", _a)),
    "assistance:review_complete": Case(_review(_b), _staff, method="post", data={"outcome": "continue"}),
    "assistance:batch_detail": Case(of("batch", _b), _staff, own=of("batch", _a)),
    "assistance:batch_step": Case(of("batch", _b), _staff, method="post", data={"action": "check"}),
    "assistance:batch_file": Case(_batch_file(_b), _staff),
    "api:application_detail": Case(of("application", _b), _staff, own=of("application", _a)),
    "api:application_transition": Case(
        of("application", _b), _staff, method="post", json={"action": "check"}
    ),
    "api:batch_transition": Case(of("batch", _b), _staff, method="post", json={"action": "check"}),
}
