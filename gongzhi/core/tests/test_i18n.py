import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
TIBETAN = re.compile(r"[\u0F00-\u0FFF]")


def test_login_page_in_chinese_by_default(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "登录" in page and 'lang="zh-Hans"' in page


def test_login_page_in_tibetan(client):
    client.cookies["django_language"] = "bo"
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="bo"' in page
    title = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert TIBETAN.search(title), title


def test_login_page_in_english(client):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:login")).content.decode()
    assert "<h1>Sign in</h1>" in page


def test_switching_language_before_sign_in_is_remembered(client):
    response = client.post(reverse("core:set_language"), {"language": "bo", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="bo"' in page


def test_a_signed_in_users_language_follows_them(tree, make_user, client, roles):
    from conftest import verify_second_factor

    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    login(client, user)
    client.post(reverse("core:set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    other_device = client.__class__()
    other_device.force_login(user)
    verify_second_factor(other_device, user)
    assert "Hello" in other_device.get("/").content.decode()


def login(client, user):
    from conftest import verify_second_factor

    client.force_login(user)
    verify_second_factor(client, user)


def test_the_switch_refuses_unknown_languages_and_foreign_redirects(client):
    response = client.post(reverse("core:set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "django_language" not in response.cookies


def test_tibetan_home_page_has_tibetan_text(tree, make_user, client, roles):
    user = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    login(client, user)
    client.cookies["django_language"] = "bo"
    page = client.get("/").content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    assert TIBETAN.search(nav)
