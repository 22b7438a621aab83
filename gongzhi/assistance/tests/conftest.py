import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Seven accounts per test: a slow password hash would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english(client):
    # Pages are asserted in English (the msgid language); the users made here choose no language.
    client.cookies["django_language"] = "en"


@pytest.fixture
def client():
    """Staff pass two-factor sign-in on force_login, as they do in the browser."""
    from conftest import SignInClient

    return SignInClient()
