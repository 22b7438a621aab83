"""IDOR cases of the service desk (see core/tests/test_idor.py): a service, counter, template,
appointment, ticket, record or proof of community B, a user of community A, and A's object as the
control. The public catalogue and the waiting-room display are public by design."""

import datetime
import itertools
from decimal import Decimal

from gongzhi.core.tests.test_idor import Case
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Resident
from gongzhi.servicedesk import services
from gongzhi.servicedesk.models import Category, ServiceItem, ServiceRecord

TZ = datetime.timezone(datetime.timedelta(hours=8))
MONDAY = datetime.date(2026, 6, 1)  # a working day


def at(hour, minute=0):
    return datetime.datetime.combine(MONDAY, datetime.time(hour, minute), tzinfo=TZ)


_n = itertools.count(1)


class Desk:
    def __init__(self, w, community, grid):
        n = next(_n)
        self.staff = w.make_user(w.roles.COMMUNITY_STAFF, community)
        self.item = services.item_save(
            actor=None,
            org_unit=community,
            code=f"P{n}",
            name="居住证明",
            category=Category.PROOFS,
            handling=ServiceItem.Handling.ON_THE_SPOT,
        )
        self.forward_item = services.item_save(
            actor=None,
            org_unit=community,
            code=f"S{n}",
            name="医保参保登记",
            category=Category.SOCIAL_SECURITY,
            handling=ServiceItem.Handling.FORWARDED,
            forward_unit=w.tree.street,
            time_limit_days=3,
            fee=Decimal("0"),
        )
        self.counter = services.counter_save(
            actor=None, org_unit=community, number=1, name="综合窗口", slot_capacity=2
        )
        self.user = w.make_user(w.roles.RESIDENT, grid)
        household = registry_services.household_create(actor=None, org_unit=grid, address=f"纳金路{n}号")
        self.resident = registry_services.resident_create(
            actor=None,
            household=household,
            name="扎西",
            gender="male",
            birth_date=datetime.date(1970, 5, 4),
            relationship_to_head=Resident.Relationship.HEAD,
            ethnicity="藏族",
            user=self.user,
        )
        self.template = services.template_save(
            actor=None,
            org_unit=community,
            code=f"JZ{n}",
            title="居住证明",
            item=self.item,
            body="兹证明{name}居住于{address}。",
        )
        self.appointment = services.appointment_book(
            actor=None,
            resident=self.resident,
            item=self.item,
            date=MONDAY,
            slot_start=datetime.time(10, 0),
            now=at(8),
        )
        self.ticket = services.ticket_issue(actor=None, item=self.item, resident=self.resident, now=at(9))
        self.record = services.record_create(
            actor=self.staff,
            item=self.forward_item,
            channel=ServiceRecord.Channel.COUNTER,
            started_at=at(9),
            ended_at=at(9, 10),
            outcome=ServiceRecord.Outcome.FORWARDED,
            resident=self.resident,
        )
        self.proof = services.proof_issue(actor=self.staff, template=self.template, resident=self.resident)
        self.community = community


def _b(w):
    return Desk(w, w.tree.community_b, w.tree.grid_b1)


def _a(w):
    return Desk(w, w.tree.community_a, w.tree.grid_a1)


def of(attr, pick):
    return lambda w: getattr(pick(w), attr).pk


def _item_kw(pick):
    return lambda w: {"item_pk": pick(w).item.pk}


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


def _resident_user(w):
    return _a(w).user


PUBLIC_CATALOGUE = "the service catalogue of every community is public (government services disclosure)"

CASES = {
    # Public by design: no personal data, open to anyone (also signed out).
    "servicedesk:catalogue": Case(lambda w: _b(w).community.pk, _staff, public=PUBLIC_CATALOGUE),
    "servicedesk:item_detail": Case(of("item", _b), _staff, public=PUBLIC_CATALOGUE),
    "servicedesk:display": Case(
        lambda w: w.tree.community_b.pk,
        _staff,
        public="the waiting-room screen shows numbers and counters only",
    ),
    "api:get_item": Case(of("item", _b), _staff, public=PUBLIC_CATALOGUE),
    "api:list_slots": Case(of("item", _b), _staff, query="date=2026-06-01", public=PUBLIC_CATALOGUE),
    # Staff pages and actions.
    "servicedesk:item_edit": Case(of("item", _b), _staff, own=of("item", _a)),
    "servicedesk:template_edit": Case(of("template", _b), _staff, own=of("template", _a)),
    "servicedesk:counter_edit": Case(of("counter", _b), _staff, own=of("counter", _a)),
    "servicedesk:kiosk": Case(lambda w: w.tree.community_b.pk, _staff, own=lambda w: w.tree.community_a.pk),
    "servicedesk:caller": Case(of("counter", _b), _staff, own=of("counter", _a)),
    "servicedesk:appointment_check_in": Case(of("appointment", _b), _staff, method="post", data={}),
    "servicedesk:record_detail": Case(of("record", _b), _staff, own=of("record", _a)),
    "servicedesk:record_receipt": Case(of("record", _b), _staff, own=of("record", _a)),
    "servicedesk:proof_print": Case(of("proof", _b), _staff, own=of("proof", _a)),
    "servicedesk:proof_revoke": Case(of("proof", _b), _staff, method="post", data={"reason": "开错了"}),
    # A resident's own pages.
    "servicedesk:book": Case(_item_kw(_b), _resident_user),
    "servicedesk:appointment_cancel": Case(of("appointment", _b), _resident_user, method="post", data={}),
    # An empty form: even a refused form must not reveal that B's record exists.
    "servicedesk:rate_mine": Case(of("record", _b), _resident_user, method="post", data={}),
    # API.
    "api:cancel_appointment": Case(of("appointment", _b), _staff, method="post"),
    "api:check_in": Case(of("appointment", _b), _staff, method="post"),
    "api:call_next": Case(of("counter", _b), _staff, method="post"),
    "api:recall_ticket": Case(of("ticket", _b), _staff, method="post"),
    "api:skip_ticket": Case(of("ticket", _b), _staff, method="post"),
    "api:start_ticket": Case(of("ticket", _b), _staff, method="post"),
    "api:cancel_ticket": Case(of("ticket", _b), _staff, method="post"),
    "api:get_record": Case(of("record", _b), _staff, own=of("record", _a)),
    "api:forward_result": Case(of("record", _b), _staff, method="post", json={"result": "已办结"}),
    "api:revoke_proof": Case(of("proof", _b), _staff, method="post", json={"reason": "开错了"}),
}
