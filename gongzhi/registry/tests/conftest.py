import datetime
import itertools

import pytest

from gongzhi.registry import services
from gongzhi.registry.documents import make_id_number

_seq = itertools.count(100)


@pytest.fixture
def household(tree):
    return services.household_create(actor=None, org_unit=tree.grid_a1, address="纳金路12号院3栋2单元301")


@pytest.fixture
def make_resident():
    def _make(
        household, name="张晓鑫", *, gender="female", birth=datetime.date(1980, 5, 1), rel="child", **kw
    ):
        kw.setdefault("document_number", make_id_number("540102", birth, next(_seq), gender))
        return services.resident_create(
            actor=None,
            household=household,
            name=name,
            gender=gender,
            birth_date=birth,
            relationship_to_head=rel,
            **kw,
        )

    return _make


@pytest.fixture(autouse=True)
def english(settings, client):
    """Assertions read the English msgids: pages are asked for in English (the default interface
    language is Chinese), and services outside a request speak English too."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
