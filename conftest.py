"""Shared fixtures: two communities (A and B) under one street, each with two grids, and a helper
that makes a user holding one role at one unit. Everything is built through the services."""

import itertools
import os

os.environ.setdefault("LOG_LEVEL", "WARNING")

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

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


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 at Django's 1,000,000 iterations costs about half a second per user on a slow core, and the
    suite creates thousands of users; no test is about the hash itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


def verify_second_factor(client, user):
    """Mark a test client's session as having passed two-factor sign-in, the way django-otp's
    `otp_login` does after a real code: with a confirmed device of the user."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from gongzhi.accounts.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


class SignInClient(Client):
    """A test client whose force_login also passes two-factor sign-in for staff, as signing in
    through the browser does. `force_login(user, verified=False)` leaves the session unverified."""

    def force_login(self, user, backend=None, verified=True):
        super().force_login(user, backend)
        if verified:
            from gongzhi.accounts.security import needs_second_factor

            if needs_second_factor(user):
                verify_second_factor(self, user)


@pytest.fixture
def login(client):
    """Sign a user in. Staff accounts also pass two-factor sign-in (gongzhi.accounts.security),
    as they would in the browser; use `client.force_login` to test an unverified session."""

    def _login(user, *, verified=True):
        from gongzhi.accounts.security import needs_second_factor

        client.force_login(user)
        if verified and needs_second_factor(user):
            verify_second_factor(client, user)
        return client

    return _login


@pytest.fixture
def roles():
    return Role


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _figures_computed_on_every_view(settings):
    """Tests change data and read the dashboards again within one test: figures are computed on
    every view here; gongzhi/cases/tests/test_kept_figures.py tests the kept figures."""
    settings.GONGZHI_FIGURES_CACHE_SECONDS = 0
