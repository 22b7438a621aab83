import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse

from conftest import PASSWORD
from gongzhi.accounts import services
from gongzhi.accounts.models import ApiToken, RoleAssignment
from gongzhi.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_staff_sign_in_with_username(tree, make_user, client, roles):
    make_user(roles.COMMUNITY_STAFF, tree.community_a, username="zhuoma")
    response = client.post(reverse("accounts:login"), {"username": "zhuoma", "password": PASSWORD})
    assert response.status_code == 302
    # Staff then pass two-factor sign-in before any page (see test_security.py).
    assert client.get("/")["Location"].startswith(reverse("accounts:otp_setup"))


def test_residents_sign_in_with_their_mobile_number(tree, make_user, client, roles):
    make_user(roles.RESIDENT, tree.grid_a1, username="r1", phone="139 0891 0001")
    response = client.post(reverse("accounts:login"), {"username": "13908910001", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_is_refused_with_a_message(tree, make_user, client, roles):
    make_user(roles.RESIDENT, tree.grid_a1, username="r1", phone="13908910001")
    response = client.post(
        reverse("accounts:login"), {"username": "13908910001", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "The account or the password is wrong" in response.content.decode()


def test_mobile_numbers_are_unique_and_stored_encrypted(tree, make_user):
    user = make_user(phone="13908910001")
    with pytest.raises(ApplicationError) as exc:
        make_user(phone="13908910001")
    assert exc.value.field == "phone"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert "13908910001" not in stored and stored.startswith("v1:")


def test_the_three_admin_roles_cannot_be_combined(tree, make_user, roles):
    admin = make_user(roles.SYSTEM_ADMIN, tree.district)
    for role in (roles.SECURITY_ADMIN, roles.AUDIT_ADMIN):
        with pytest.raises(ApplicationError) as exc:
            services.role_assign(actor=None, user=admin, role=role, org_unit=tree.district)
        assert exc.value.code == "separation_of_duties"
    assert set(RoleAssignment.objects.filter(user=admin).values_list("role", flat=True)) == {"system_admin"}


def test_an_admin_holds_no_business_role(tree, make_user, roles):
    admin = make_user(roles.AUDIT_ADMIN, tree.district)
    with pytest.raises(ApplicationError):
        services.role_assign(actor=None, user=admin, role=roles.COMMUNITY_STAFF, org_unit=tree.community_a)
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    with pytest.raises(ApplicationError):
        services.role_assign(actor=None, user=staff, role=roles.SECURITY_ADMIN, org_unit=tree.district)


def test_a_grid_worker_is_assigned_to_a_grid(tree, make_user, roles):
    with pytest.raises(ApplicationError):
        make_user(roles.GRID_WORKER, tree.community_a)


def test_one_active_assignment_per_role_and_unit_in_the_database(tree, make_user, roles):
    user = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    with pytest.raises(IntegrityError):
        RoleAssignment.objects.create(user=user, role=roles.COMMUNITY_STAFF, org_unit=tree.community_a)


def test_a_role_covers_the_subtree(tree, make_user, roles):
    street = make_user(roles.STREET_STAFF, tree.street)
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    assert street.covers(tree.grid_b2, {roles.STREET_STAFF})
    assert worker.covers(tree.grid_a1, {roles.GRID_WORKER})
    assert not worker.covers(tree.grid_a2, {roles.GRID_WORKER})
    assert not worker.covers(tree.community_a, {roles.GRID_WORKER})


def test_accounts_token_command_prints_a_token_stored_hashed(tree, make_user, roles, capsys, client):
    make_user(roles.GRID_WORKER, tree.grid_a1, username="grid1")
    call_command("accounts_token", "grid1")
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("gz_")
    assert not ApiToken.objects.filter(key_hash=secret).exists()
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_profile_creates_and_revokes_a_token(tree, make_user, login, roles):
    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    c = login(user)
    c.post(reverse("accounts:token_create"), {"name": "手机应用"})
    page = c.get(reverse("accounts:profile")).content.decode()
    token = ApiToken.objects.get(user=user)
    assert "gz_" in page and "手机应用" in page
    c.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_security_admin_grants_a_role_and_system_admin_cannot(tree, make_user, login, roles):
    target = make_user()
    secadmin = make_user(roles.SECURITY_ADMIN, tree.district)
    sysadmin = make_user(roles.SYSTEM_ADMIN, tree.district)
    url = reverse("accounts:user_detail", args=[target.pk])
    login(sysadmin).post(url, {"role": "community_staff", "org_unit": tree.community_a.pk})
    assert not RoleAssignment.objects.filter(user=target).exists()
    login(secadmin).post(url, {"role": "community_staff", "org_unit": tree.community_a.pk})
    assert RoleAssignment.objects.filter(user=target, role="community_staff").exists()


def test_logout_ends_the_session(tree, make_user, login, roles):
    c = login(make_user(roles.GRID_WORKER, tree.grid_a1))
    c.post(reverse("accounts:logout"))
    assert c.get("/").status_code == 302


def test_a_token_records_its_last_use_at_most_once_a_minute_and_stops_when_revoked(tree, make_user, roles):
    import datetime

    from django.utils import timezone

    from gongzhi.accounts.services import token_authenticate, token_create

    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    token, secret = token_create(actor=user, user=user, name="phone")
    assert token_authenticate(secret) == user
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    assert token_authenticate(secret) == user
    token.refresh_from_db()
    assert token.last_used_at == first_use  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - datetime.timedelta(minutes=2))
    token_authenticate(secret)
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < datetime.timedelta(seconds=30)
    assert token_authenticate("gz_" + "0" * 48) is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_authenticate(secret) is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert token_authenticate(secret) is None


def test_assignments_are_the_active_roles_with_their_units_read_in_one_query(
    tree, make_user, roles, django_assert_num_queries
):
    from gongzhi.accounts.models import RoleAssignment

    user = make_user(roles.GRID_WORKER, tree.grid_a1)
    RoleAssignment.objects.create(user=user, role=roles.COMMUNITY_STAFF, org_unit=tree.community_a)
    RoleAssignment.objects.create(user=user, role=roles.SECRETARY, org_unit=tree.community_b, is_active=False)
    user.forget_assignments()
    with django_assert_num_queries(1):
        found = {(a.role, a.org_unit.path) for a in user.assignments()}
        assert user.covers(tree.grid_a2, {roles.COMMUNITY_STAFF})
    assert found == {(roles.GRID_WORKER, tree.grid_a1.path), (roles.COMMUNITY_STAFF, tree.community_a.path)}
    granted = RoleAssignment.objects.get(user=user, role=roles.GRID_WORKER).granted_at
    assert [a.granted_at for a in user.assignments() if a.role == roles.GRID_WORKER] == [granted]
