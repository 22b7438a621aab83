"""IDOR cases of the collective economy (see core/tests/test_idor.py): an object of community B, a
finance officer of community A, and A's own object as the control for the pages that read."""

import datetime
import itertools
from decimal import Decimal

from gongzhi.core.tests.test_idor import Case
from gongzhi.economy import services
from gongzhi.economy.models import Invoice

from . import factories as f

_n = itertools.count(1)


def _books(community):
    """A project with one let unit, its tenant, lease, first invoice and a payment on it."""
    n = next(_n)
    project = f.project(community, name=f"商业街{n}")
    unit = f.unit(project, f"U{n}")
    tenant = f.enterprise(community, name=f"商户{n}")
    start = datetime.date(2026, 1, 1)
    lease = f.lease(unit, tenant, start, datetime.date(2026, 12, 31), deposit=Decimal("1000.00"))
    services.invoices_generate(actor=None, as_of=start, org_unit=community)
    invoice = Invoice.objects.filter(lease=lease).order_by("period_start").first()
    payment = services.payment_record(
        actor=None, invoice=invoice, amount=Decimal("10.00"), paid_on=datetime.date(2026, 1, 5)
    )
    return {
        "project": project.pk,
        "unit": unit.pk,
        "tenant": tenant.pk,
        "lease": lease.pk,
        "invoice": invoice.pk,
        "payment": payment.pk,
    }


def _b(kind):
    return lambda w: _books(w.tree.community_b)[kind]


def _a(kind):
    return lambda w: _books(w.tree.community_a)[kind]


def _finance(w):
    return w.make_user(w.roles.FINANCE_STAFF, w.tree.community_a)


PAGES = {
    "project_detail": "project",
    "project_edit": "project",
    "unit_create": "project",
    "income": "project",
    "income_xlsx": "project",
    "allocation_create": "project",
    "unit_detail": "unit",
    "unit_edit": "unit",
    "tenant_detail": "tenant",
    "lease_detail": "lease",
    "lease_renew": "lease",
    "lease_terminate": "lease",
    "deposit_receive": "lease",
    "deposit_return": "lease",
    "invoice_detail": "invoice",
    "receipt": "payment",
}

CASES = {
    **{f"economy:{name}": Case(_b(kind), _finance, own=_a(kind)) for name, kind in PAGES.items()},
    "economy:payment_create": Case(_b("invoice"), _finance, method="post"),
    "economy:payment_reverse": Case(_b("payment"), _finance, method="post"),
    "api:get_unit": Case(_b("unit"), _finance, own=_a("unit")),
    "api:get_tenant": Case(_b("tenant"), _finance, own=_a("tenant")),
    "api:get_lease": Case(_b("lease"), _finance, own=_a("lease")),
    "api:get_invoice": Case(_b("invoice"), _finance, own=_a("invoice")),
    "api:create_payment": Case(
        _b("invoice"), _finance, method="post", json={"amount": "1.00", "paid_on": "2026-01-06"}
    ),
}
