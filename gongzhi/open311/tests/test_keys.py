"""API keys per partner: the services, the open311_key command, the staff page and the JSON API."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import AuditEntry
from gongzhi.open311 import services
from gongzhi.open311.models import ApiKey

# --- services ---------------------------------------------------------------------------------------


def test_a_key_is_shown_once_and_stored_hashed(world):
    key, secret = services.apikey_create(
        actor=world.staff, community=world.tree.community_a, name="FixMyStreet"
    )
    assert secret.startswith("o311_") and len(secret) > 40
    assert key.prefix == secret[:10] and secret not in key.key_hash
    assert services.apikey_authenticate(secret) == key
    assert services.apikey_authenticate(secret + "x") is None
    assert services.apikey_authenticate("") is None
    entry = AuditEntry.objects.filter(action="open311.key_create").order_by("id").last()
    assert entry.actor == world.staff and entry.object_id == str(key.pk)
    assert secret not in str(entry.detail)


def test_key_refusals(world):
    a = world.tree.community_a
    with pytest.raises(ApplicationError) as exc:
        services.apikey_create(actor=world.staff, community=a, name="  ")
    assert exc.value.field == "name"
    with pytest.raises(ConflictError):
        services.apikey_create(actor=world.staff, community=a, name="城管热线")
    with pytest.raises(ApplicationError) as exc:
        services.apikey_create(actor=world.staff, community=world.tree.grid_a1, name="x")
    assert exc.value.field == "community"
    from gongzhi.core import services as core_services

    partner_b = core_services.partnerunit_save(
        actor=None, org_unit=world.tree.community_b, kind="school", name="B 学校"
    )
    with pytest.raises(ApplicationError) as exc:
        services.apikey_create(actor=world.staff, community=a, name="学校", partner=partner_b)
    assert exc.value.field == "partner"


def test_revoking_is_final_audited_and_frees_the_name(world):
    services.apikey_revoke(actor=world.staff, key=world.key)
    world.key.refresh_from_db()
    assert world.key.revoked_at is not None and world.key.revoked_by == world.staff
    assert services.apikey_authenticate(world.secret) is None
    assert AuditEntry.objects.filter(action="open311.key_revoke", object_id=str(world.key.pk)).exists()
    with pytest.raises(ConflictError):
        services.apikey_revoke(actor=world.staff, key=world.key)
    new, _secret = services.apikey_create(
        actor=world.staff, community=world.tree.community_a, name="城管热线"
    )
    assert new.pk != world.key.pk


def test_the_database_keeps_one_active_name_per_community(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(org_unit=world.tree.community_a, name="城管热线", prefix="x", key_hash="0" * 64)


# --- the command ------------------------------------------------------------------------------------------


def test_the_command_issues_lists_and_revokes(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "12345 hotline", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    key = services.apikey_authenticate(secret)
    assert key is not None and key.org_unit == world.tree.community_a and key.name == "12345 hotline"
    out = io.StringIO()
    call_command("open311_key", "--list", stdout=out)
    assert key.prefix in out.getvalue() and secret not in out.getvalue()
    call_command("open311_key", "--revoke", key.prefix, stdout=io.StringIO())
    assert services.apikey_authenticate(secret) is None
    out = io.StringIO()
    call_command(
        "open311_key",
        "B hotline",
        "--community",
        world.tree.community_b.code,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert services.apikey_authenticate(out.getvalue().strip()).org_unit == world.tree.community_b


def test_the_command_refuses_clearly(world):
    with pytest.raises(CommandError):
        call_command("open311_key")
    with pytest.raises(CommandError):
        call_command("open311_key", "x", "--community", "nowhere")
    with pytest.raises(CommandError):
        call_command("open311_key", "城管热线", stderr=io.StringIO())  # an active key has the name
    with pytest.raises(CommandError):
        call_command("open311_key", "--revoke", "o311_nope")
    with pytest.raises(CommandError):
        call_command("open311_key", "x", "--partner", "999999")


# --- the staff page -------------------------------------------------------------------------------------


def test_the_page_lists_the_communitys_keys_only(world, login):
    client = login(world.staff)
    response = client.get("/open311/keys/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "城管热线" in body and world.key.prefix in body and "B 热线" not in body
    assert world.secret not in body


def test_issuing_on_the_page_shows_the_key_once(world, login):
    client = login(world.staff)
    response = client.post(
        "/open311/keys/",
        {"name": "FixMyStreet", "community": world.tree.community_a.pk, "partner": world.partner.pk},
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="FixMyStreet")
    assert key.created_by == world.staff and key.partner == world.partner
    body = response.content.decode()
    secret = body.split('<code class="secret">')[1].split("</code>")[0]
    assert services.apikey_authenticate(secret) == key
    assert secret not in client.get("/open311/keys/").content.decode()


def test_issuing_refusals_on_the_page(world, login):
    client = login(world.staff)
    response = client.post("/open311/keys/", {"name": "城管热线", "community": world.tree.community_a.pk})
    assert (
        response.status_code == 400
        and "An active key with this name exists already." in response.content.decode()
    )
    response = client.post("/open311/keys/", {"name": "x", "community": world.tree.community_b.pk})
    assert response.status_code == 400
    assert ApiKey.objects.count() == 2


def test_revoking_on_the_page(world, login):
    client = login(world.staff)
    response = client.post(f"/open311/keys/{world.key.pk}/revoke/")
    assert response.status_code == 302
    world.key.refresh_from_db()
    assert not world.key.is_active
    # Another community's key is a 404 and stays active.
    assert client.post(f"/open311/keys/{world.key_b.pk}/revoke/").status_code == 404
    world.key_b.refresh_from_db()
    assert world.key_b.is_active


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.RESIDENT, Role.PARTNER_STAFF, Role.STREET_STAFF])
def test_others_may_not_manage_keys(world, login, make_user, role):
    unit = {Role.GRID_WORKER: world.tree.grid_a1, Role.STREET_STAFF: world.tree.street}.get(
        role, world.tree.community_a
    )
    extra = {"partner_unit": world.partner} if role == Role.PARTNER_STAFF else {}
    client = login(make_user(role, unit, **extra))
    assert client.get("/open311/keys/").status_code == 403
    assert client.post(f"/open311/keys/{world.key.pk}/revoke/").status_code == 404
    assert client.get("/api/v1/open311/keys").status_code == 403


def test_the_page_costs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.staff)
    client.get("/open311/keys/")
    for n in range(6):
        services.apikey_create(actor=world.staff, community=world.tree.community_a, name=f"key {n}")
    with django_assert_max_num_queries(20):
        assert client.get("/open311/keys/").status_code == 200


def test_the_page_in_chinese_and_tibetan(world, login):
    client = login(world.staff)
    assert "Open311 密钥" in client.get("/open311/keys/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert client.get("/open311/keys/", HTTP_ACCEPT_LANGUAGE="bo").status_code == 200


# --- the JSON API ---------------------------------------------------------------------------------------


def test_the_api_lists_issues_shows_and_revokes(world, login):
    client = login(world.staff)
    listed = client.get("/api/v1/open311/keys").json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "城管热线"
    assert "key" not in listed["items"][0] and "key_hash" not in listed["items"][0]
    response = client.post(
        "/api/v1/open311/keys",
        {"name": "SeeClickFix", "community": world.tree.community_a.pk, "partner": world.partner.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert services.apikey_authenticate(created["key"]).pk == created["id"]
    detail = client.get(f"/api/v1/open311/keys/{created['id']}").json()
    assert detail["is_active"] is True and "key" not in detail
    revoked = client.post(f"/api/v1/open311/keys/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    again = client.post(f"/api/v1/open311/keys/{created['id']}/revoke")
    assert again.status_code == 409 and again.json()["code"] == "already_revoked"


def test_the_api_refuses_bad_input_and_other_communities(world, login):
    client = login(world.staff)
    for body in (
        {"name": "x", "community": world.tree.community_b.pk},
        {"name": "", "community": world.tree.community_a.pk},
        {"name": "x", "community": world.tree.community_a.pk, "partner": 999999},
    ):
        response = client.post("/api/v1/open311/keys", body, content_type="application/json")
        assert response.status_code == 400, body
        assert set(response.json()) >= {"code", "message"}
    assert client.get(f"/api/v1/open311/keys/{world.key_b.pk}").status_code == 404
    assert client.post(f"/api/v1/open311/keys/{world.key_b.pk}/revoke").status_code == 404
    assert ApiKey.objects.count() == 2


def test_openapi_lists_the_key_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/open311/keys",
        "/api/v1/open311/keys/{key_id}",
        "/api/v1/open311/keys/{key_id}/revoke",
    } <= set(paths)
