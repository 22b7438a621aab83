"""IDOR cases of economy (see core/tests/test_idor.py): a project, shop unit, tenant, lease,
invoice or payment of community B, a staff member of community A, and A's object as the control."""

import datetime
from decimal import Decimal

from gongzhi.core.tests.test_idor import Case
from gongzhi.economy import services

from . import factories as f


class Books:
    """One community's books: a project with a let unit, an invoice and a payment on it."""

    def __init__(self, w, community):
        self.project = f.project(community)
        self.unit = f.unit(self.project, "A101")
        self.tenant = f.enterprise(community, name="雪域茶馆")
        self.lease = f.lease(self.unit, self.tenant, datetime.date(2026, 1, 1), datetime.date(2028, 12, 31))
        services.invoices_generate(actor=None, as_of=datetime.date(2026, 1, 31), lease=self.lease)
        self.invoice = self.lease.invoices.order_by("period_start").first()
        self.payment = services.payment_record(
            actor=None, invoice=self.invoice, amount=Decimal("100.00"), paid_on=datetime.date(2026, 1, 5)
        )


def _b(w):
    return Books(w, w.tree.community_b)


def _a(w):
    return Books(w, w.tree.community_a)


def of(attr, pick):
    return lambda w: getattr(pick(w), attr).pk


def _project_kw(pick):
    return lambda w: {"project_pk": pick(w).project.pk}


def _staff(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a)


def _finance(w):
    return w.make_user(w.roles.FINANCE_STAFF, w.tree.community_a)


PAYMENT = {"amount": "10.00", "paid_on": "2026-01-10", "method": "bank"}

CASES = {
    "economy:project_detail": Case(of("project", _b), _finance, own=of("project", _a)),
    "economy:project_edit": Case(of("project", _b), _finance, own=of("project", _a)),
    "economy:unit_create": Case(_project_kw(_b), _finance, own=_project_kw(_a)),
    "economy:income": Case(of("project", _b), _finance, own=of("project", _a)),
    "economy:income_xlsx": Case(of("project", _b), _finance, own=of("project", _a)),
    "economy:allocation_create": Case(of("project", _b), _finance, own=of("project", _a)),
    "economy:unit_detail": Case(of("unit", _b), _finance, own=of("unit", _a)),
    "economy:unit_edit": Case(of("unit", _b), _finance, own=of("unit", _a)),
    "economy:tenant_detail": Case(of("tenant", _b), _finance, own=of("tenant", _a)),
    "economy:lease_detail": Case(of("lease", _b), _finance, own=of("lease", _a)),
    "economy:lease_renew": Case(of("lease", _b), _finance, own=of("lease", _a)),
    "economy:lease_terminate": Case(of("lease", _b), _finance, own=of("lease", _a)),
    "economy:deposit_receive": Case(
        of("lease", _b), _finance, method="post", data={"received_on": "2026-01-02"}
    ),
    "economy:deposit_return": Case(
        of("lease", _b), _finance, method="post", data={"amount": "0", "returned_on": "2026-01-02"}
    ),
    "economy:invoice_detail": Case(of("invoice", _b), _finance, own=of("invoice", _a)),
    "economy:payment_create": Case(of("invoice", _b), _finance, method="post", data=PAYMENT),
    "economy:receipt": Case(of("payment", _b), _finance, own=of("payment", _a)),
    "economy:payment_reverse": Case(of("payment", _b), _finance, method="post", data={"reason": "重复登记"}),
    "api:get_unit": Case(of("unit", _b), _finance, own=of("unit", _a)),
    "api:get_tenant": Case(of("tenant", _b), _finance, own=of("tenant", _a)),
    "api:get_lease": Case(of("lease", _b), _finance, own=of("lease", _a)),
    "api:get_invoice": Case(of("invoice", _b), _finance, own=of("invoice", _a)),
    "api:create_payment": Case(
        of("invoice", _b),
        _finance,
        method="post",
        json={"amount": "10.00", "paid_on": "2026-01-10"},
        own=of("invoice", _a),
    ),
}
