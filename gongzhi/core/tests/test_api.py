import pytest

from gongzhi.accounts import services as account_services
from gongzhi.core import services

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_openapi_schema_lists_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/core/org-units" in schema["paths"]
    assert "/api/v1/accounts/me" in schema["paths"]


def test_a_valid_token_works_and_a_revoked_or_wrong_one_gets_401(tree, make_user, client, roles):
    user = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    token, secret = account_services.token_create(actor=user, user=user, name="test")
    assert client.get("/api/v1/accounts/me", **bearer(secret)).json()["username"] == user.username
    assert client.get("/api/v1/accounts/me", **bearer(secret + "x")).status_code == 401
    account_services.token_revoke(actor=user, token=token)
    response = client.get("/api/v1/accounts/me", **bearer(secret))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_no_credentials_get_401(client):
    assert client.get("/api/v1/core/org-units").status_code == 401


def test_session_api_posts_need_csrf(tree, make_user, roles):
    from django.test import Client

    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    assert c.post("/api/v1/core/notifications/read", {}, content_type="application/json").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize(
    "role,unit_attr",
    [
        ("grid_worker", "grid_a1"),
        ("community_staff", "community_a"),
        ("secretary", "community_a"),
        ("partner_staff", "community_a"),
    ],
)
def test_another_communitys_objects_are_404_in_the_api(tree, make_user, client, roles, role, unit_attr):
    user = make_user(role, getattr(tree, unit_attr))
    _t, secret = account_services.token_create(actor=user, user=user, name="t")
    station = services.gridstation_save(actor=None, org_unit=tree.grid_b1, name="B站", address="b", phone="1")
    partner = services.partnerunit_save(actor=None, org_unit=tree.community_b, kind="school", name="B校")
    for url in (
        f"/api/v1/core/org-units/{tree.community_b.pk}",
        f"/api/v1/core/grid-stations/{station.pk}",
        f"/api/v1/core/partner-units/{partner.pk}",
    ):
        response = client.get(url, **bearer(secret))
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_grid_worker_list_is_restricted_to_their_grid(tree, make_user, client, roles):
    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    _t, secret = account_services.token_create(actor=user, user=user, name="t")
    body = client.get("/api/v1/core/org-units", **bearer(secret)).json()
    assert body["count"] == 1 and body["items"][0]["id"] == tree.grid_a1.pk


def test_pagination_shape_and_limit(tree, make_user, client, roles):
    user = make_user(roles.COUNTY_STAFF, tree.district)
    _t, secret = account_services.token_create(actor=user, user=user, name="t")
    body = client.get("/api/v1/core/org-units?page=2&page_size=3", **bearer(secret)).json()
    assert body["count"] == 8 and len(body["items"]) == 3
    too_big = client.get("/api/v1/core/org-units?page_size=101", **bearer(secret))
    assert too_big.status_code == 400
    assert too_big.json()["field"] == "page_size"


def test_errors_are_translated(tree, make_user, client, roles):
    assert client.get("/api/v1/accounts/me").json()["message"] == "请先登录，或提供有效的 API 令牌。"
    response = client.get("/api/v1/accounts/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "Sign in or send a valid API token."
