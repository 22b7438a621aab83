import datetime

import pytest

from gongzhi.registry import selectors, services
from gongzhi.registry.selectors import ResidentFilters

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 29)


@pytest.fixture
def people(tree, household, make_resident):
    other = services.household_create(actor=None, org_unit=tree.grid_a2, address="纳金路30号")
    b = services.household_create(actor=None, org_unit=tree.grid_b1, address="嘎玛贡桑路1号")
    return {
        "zxx": make_resident(household, "张晓鑫", rel="head", phone="13908910001"),
        "zx": make_resident(household, "赵鑫", birth=datetime.date(1945, 2, 2), care_tags=["living_alone"]),
        "tashi": make_resident(
            other,
            "扎西多吉",
            gender="male",
            rel="head",
            name_bo="བཀྲ་ཤིས་རྡོ་རྗེ།",
            birth=datetime.date(1960, 6, 1),
        ),  # fmt: skip
        "b": make_resident(b, "张晓鑫", rel="head", birth=datetime.date(1990, 1, 1)),
    }


def names(user, **kw):
    return sorted(
        r.name for r in selectors.resident_search(user=user, filters=ResidentFilters(**kw), today=TODAY)
    )


def test_search_by_initials_pinyin_prefix_and_chinese(people, make_user, roles, tree):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    assert names(staff, q="zxx") == ["张晓鑫"]  # community B's 张晓鑫 is out of scope
    assert names(staff, q="zhangxiao") == ["张晓鑫"]
    assert names(staff, q="Zhang Xiao Xin") == ["张晓鑫"]
    assert names(staff, q="zx") == ["张晓鑫", "扎西多吉", "赵鑫"]  # zxx, zxdj, zx
    assert names(staff, q="张晓") == ["张晓鑫"]
    assert names(staff, q="zhaxi") == ["扎西多吉"]
    assert names(staff, q="བཀྲ་ཤིས་") == ["扎西多吉"]


def test_search_by_last4_of_document_and_phone(people, make_user, roles, tree):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    last4 = people["tashi"].document_number[-4:]
    assert "扎西多吉" in names(staff, q=last4)
    assert names(staff, q="139 0891 0001") == ["张晓鑫"]
    assert names(staff, q=people["zx"].document_number) == ["赵鑫"]


def test_filters_by_grid_tag_age_and_status(people, make_user, roles, tree):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    assert names(staff, grid=tree.grid_a2.pk) == ["扎西多吉"]
    assert names(staff, tag="elderly_60") == ["扎西多吉", "赵鑫"]  # computed from the birth date
    assert names(staff, tag="elderly_80") == ["赵鑫"]
    assert names(staff, tag="living_alone") == ["赵鑫"]
    assert names(staff, age_min=40, age_max=50) == ["张晓鑫"]  # 46 years old
    services.resident_move_out(actor=None, resident=people["zx"], on=datetime.date(2026, 1, 1))
    assert names(staff, tag="elderly_80") == []
    assert names(staff, status="moved_out") == ["赵鑫"]
    assert len(names(staff, status="")) == 3


def test_grid_worker_sees_own_grid_and_street_reads_subtree(people, make_user, roles, tree):
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    assert names(worker) == ["张晓鑫", "赵鑫"]
    street = make_user(roles.STREET_STAFF, tree.street)
    assert len(names(street)) == 4
    assert not street.has_perm("registry.change_resident", people["zxx"])
    assert worker.has_perm("registry.change_resident", people["zxx"])
    assert not worker.has_perm("registry.change_resident", people["tashi"])


def test_search_uses_indexes_not_a_table_scan(people, make_user, roles, tree, is_postgres):
    """The SQL of a search holds only prefix LIKEs and equalities (index-friendly)."""
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    sql = str(selectors.resident_search(user=staff, filters=ResidentFilters(q="zxx")).query)
    assert "%zxx%" not in sql and "zxx%" in sql
    if is_postgres:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN SELECT id FROM registry_resident WHERE name_initials LIKE 'zxx%%'")
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "resident_initials_idx" in plan
