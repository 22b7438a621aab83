import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from gongzhi.core.models import OrgUnit
from gongzhi.core.pagination import paginate, paginate_keys_first

pytestmark = pytest.mark.django_db


def _request(page):
    return RequestFactory().get("/", {} if page is None else {"page": page})


@pytest.mark.parametrize("page", [None, "", "1", "2", "3", "4", "999", "0", "-1", "abc", "1.0", "2.5"])
def test_keys_first_shows_the_same_page_as_djangos_paginator(tree, page):
    units = OrgUnit.objects.select_related("parent").order_by("name", "id")  # 8 units, pages of 3
    ours, django = paginate_keys_first(_request(page), units, 3), paginate(_request(page), units, 3)
    assert ours.number == django.number
    assert [u.pk for u in ours] == [u.pk for u in django]
    assert ours.paginator.count == django.paginator.count == 8
    assert ours.paginator.num_pages == 3 and ours.has_next() == django.has_next()
    assert all(u.parent_id is None or u.parent.pk == u.parent_id for u in ours)


def test_keys_first_reads_a_page_in_two_queries(tree):
    units = OrgUnit.objects.select_related("parent").order_by("name", "id")
    with CaptureQueriesContext(connection) as queries:
        page = paginate_keys_first(_request("2"), units, 3)
        names = [u.name for u in page]
        total = page.paginator.count
    assert len(names) == 3 and total == 8
    assert len(queries) == 2  # the keys with the count, then the rows


def test_keys_first_with_no_rows_shows_an_empty_first_page(tree):
    page = paginate_keys_first(_request(None), OrgUnit.objects.filter(name="nobody").order_by("id"), 3)
    assert page.number == 1 and list(page) == [] and page.paginator.count == 0
