"""Shared fixtures: two communities (A and B) under one street, each with two grids, and a helper
that makes a user holding one role at one unit. Everything is built through the services."""

import itertools
import os

os.environ.setdefault("LOG_LEVEL", "WARNING")

import pytest
from django.conf import settings
from django.db import connection

from gongzhi.accounts import services as account_services
from gongzhi.accounts.roles import Role
from gongzhi.core import services as core_services

PASSWORD = "Correct-Horse-42"
_codes = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)"))


def make_unit(kind, parent=None, name=None):
    n = next(_codes)
    return core_services.orgunit_create(
        kind=kind, name=name or f"{kind}-{n}", code=f"T{n:05d}", parent=parent, actor=None
    )


class Tree:
    """district → street → community A (grids A1, A2) and community B (grids B1, B2)."""

    def __init__(self):
        self.district = make_unit("district", name="城关区")
        self.street = make_unit("street", self.district, name="纳金街道")
        self.community_a = make_unit("community", self.street, name="纳金社区")
        self.community_b = make_unit("community", self.street, name="嘎玛贡桑社区")
        self.grid_a1 = make_unit("grid", self.community_a, name="A第一网格")
        self.grid_a2 = make_unit("grid", self.community_a, name="A第二网格")
        self.grid_b1 = make_unit("grid", self.community_b, name="B第一网格")
        self.grid_b2 = make_unit("grid", self.community_b, name="B第二网格")


@pytest.fixture
def tree(db):
    return Tree()


@pytest.fixture
def make_user(db):
    counter = itertools.count(1)

    def _make(role=None, unit=None, *, username=None, phone="", password=PASSWORD, **extra):
        name = username or f"{role or 'user'}{next(counter)}"
        user = account_services.user_create(
            actor=None, username=name, password=password, phone=phone, display_name=name, **extra
        )
        if role is not None:
            account_services.role_assign(actor=None, user=user, role=role, org_unit=unit)
        return user

    return _make


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def roles():
    return Role


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
