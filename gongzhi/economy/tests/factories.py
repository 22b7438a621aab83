"""Test data built through the services."""

import datetime
from decimal import Decimal

from gongzhi.economy import services
from gongzhi.economy.codes import make_uscc
from gongzhi.registry.documents import make_id_number

D = Decimal


def project(org_unit, **kw):
    kw.setdefault("name", "纳金商业街")
    kw.setdefault("investment", D("47830000.00"))
    kw.setdefault("annual_rent_target", D("4500000.00"))
    return services.project_create(actor=None, org_unit=org_unit, **kw)


def unit(project, number="A101", area="50.00", **kw):
    return services.shopunit_create(actor=None, project=project, number=number, area=D(area), **kw)


_seq = iter(range(1, 10_000_000))


def uscc(n=None):
    n = next(_seq) if n is None else n
    return make_uscc(f"92540102MA{n:07d}"[:17])


def enterprise(org_unit, name="拉萨雪域茶馆有限公司", **kw):
    kw.setdefault("credit_code", uscc())
    return services.tenant_create(actor=None, org_unit=org_unit, kind="enterprise", name=name, **kw)


def individual(org_unit, name="扎西", **kw):
    kw.setdefault("id_number", make_id_number("540102", datetime.date(1985, 3, 2), next(_seq), "male"))
    return services.tenant_create(actor=None, org_unit=org_unit, kind="individual", name=name, **kw)


def lease(unit, tenant, start, end, **kw):
    kw.setdefault("rent_basis", "per_m2")
    kw.setdefault("rent_rate", D("60.00"))
    kw.setdefault("payment_cycle", "monthly")
    return services.lease_create(actor=None, unit=unit, tenant=tenant, start_date=start, end_date=end, **kw)
