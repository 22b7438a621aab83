"""Sign-in security (issue 3): lockout, staff passwords, session lifetimes, two-factor."""

import datetime
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from conftest import PASSWORD, verify_second_factor
from gongzhi.accounts import security, services
from gongzhi.accounts.models import RecoveryCode, TOTPDevice, User
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def post_login(client, username, password, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en", **extra
    )


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- lockout ------------------------------------------------------------------------------------


def test_the_sixth_attempt_is_refused_even_with_the_right_password(tree, make_user, client, roles):
    make_user(roles.RESIDENT, tree.grid_a1, username="r1", phone="13908910001")
    for _i in range(4):
        assert post_login(client, "13908910001", "wrong-password").status_code == 200
    # The fifth failure locks the account and this IP...
    assert post_login(client, "13908910001", "wrong-password").status_code == 429
    # ...so the sixth attempt is refused although the password is right.
    response = post_login(client, "13908910001", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert "locked for 30 minutes" in page and "You can try again after" in page
    assert int(response["Retry-After"]) == 30 * 60
    assert "_auth_user_id" not in client.session
    lockouts = AuditEntry.objects.filter(action="auth.lockout", outcome="denied")
    assert lockouts.exists()
    # The audit log and the lockout table keep no mobile number.
    assert all("13908910001" not in str(e.detail) for e in AuditEntry.objects.all())
    failed = AuditEntry.objects.filter(action="auth.login", outcome="failed").first()
    assert failed.detail["account"] == "139****0001"


def test_after_the_cool_off_the_right_password_works_again(tree, make_user, client, roles):
    from axes.models import AccessAttempt

    make_user(roles.RESIDENT, tree.grid_a1, phone="13908910001")
    for _i in range(5):
        post_login(client, "13908910001", "wrong-password")
    assert post_login(client, "13908910001", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert post_login(client, "13908910001", PASSWORD).status_code == 302


def test_an_ip_is_locked_after_five_failures_on_different_accounts(tree, make_user, client, roles):
    make_user(roles.COMMUNITY_STAFF, tree.community_a, username="zhuoma")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        post_login(client, name, "wrong-password")
    assert post_login(client, "zhuoma", PASSWORD).status_code == 429
    # Another device (another IP) can still sign in to that account.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post_login(other, "zhuoma", PASSWORD).status_code == 302


def test_sign_in_is_rate_limited_per_ip(tree, make_user, client, roles, settings, monkeypatch):
    from gongzhi.core import ratelimit

    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_010.0)  # one fixed window
    settings.GONGZHI_LOGIN_RATE = (3, 10, 60)
    make_user(roles.RESIDENT, tree.grid_a1, phone="13908910001")
    for _i in range(3):
        assert post_login(Client(), "13908910001", PASSWORD).status_code == 302
    response = post_login(client, "13908910001", PASSWORD)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


# --- staff passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Short-1a", False),
        ("alllowercase12", False),
        ("ALLUPPER-LETTERS", False),
        ("Tashi-delek-7", True),
        ("gongzhi2026LHASA", True),
    ],
)
def test_staff_passwords_need_ten_characters_of_three_classes(db, password, ok):
    if ok:
        assert services.user_create(actor=None, username="s", password=password, staff=True).pk
    else:
        with pytest.raises(ApplicationError) as exc:
            services.user_create(actor=None, username="s", password=password, staff=True)
        assert exc.value.field == "password"


def test_residents_are_not_held_to_the_staff_policy(db):
    assert services.user_create(actor=None, username="r", password="qomolangma", phone="13908910009").pk


def test_the_staff_policy_applies_to_a_staff_member_changing_password(tree, make_user, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    with pytest.raises(ApplicationError):
        services.password_change(actor=staff, user=staff, new_password="lowercaseonly")


def test_a_staff_password_older_than_90_days_must_be_changed(tree, make_user, login, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    User.objects.filter(pk=staff.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client = login(staff)
    other = Client()
    other.force_login(staff)
    response = client.get("/org/")
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:password_change")
    )
    assert client.get("/api/v1/core/org-units").json()["code"] == "password_expired"
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Norbulingka-2027",
            "new_password2": "Norbulingka-2027",
            "next": "/org/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/org/"
    assert client.get("/org/").status_code == 200
    # The password change ended the other session.
    assert other.get("/")["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(action="user.password_change", object_id=str(staff.pk)).exists()


def test_a_resident_password_does_not_expire(tree, make_user, login, roles):
    resident = make_user(roles.RESIDENT, tree.grid_a1)
    User.objects.filter(pk=resident.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=400)
    )
    assert login(resident).get("/").status_code == 200


# --- sessions ---------------------------------------------------------------------------------------


def _age_session(client, *, idle=0, since_login=0):
    session = client.session
    now = time.time()
    session[security.SEEN_AT] = now - idle
    session[security.AUTH_AT] = now - since_login
    session.save()


def test_an_idle_staff_session_is_logged_out(tree, make_user, login, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    client = login(staff)
    _age_session(client, idle=29 * 60, since_login=3600)
    assert client.get("/").status_code == 200
    _age_session(client, idle=31 * 60, since_login=3600)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/")["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(action="auth.timeout", detail__reason="idle").exists()


def test_a_staff_session_ends_after_twelve_hours_even_when_busy(tree, make_user, login, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    client = login(staff)
    _age_session(client, idle=10, since_login=12 * 3600 + 60)
    assert client.get("/")["Location"].startswith(LOGIN)


def test_a_resident_session_is_not_cut_after_thirty_minutes(tree, make_user, login, roles):
    resident = make_user(roles.RESIDENT, tree.grid_a1)
    client = login(resident)
    _age_session(client, idle=2 * 3600, since_login=3 * 3600)
    assert client.get("/").status_code == 200


def test_logout_ends_every_session_of_the_user(tree, make_user, roles):
    resident = make_user(roles.RESIDENT, tree.grid_a1)
    phone, laptop = Client(), Client()
    phone.force_login(resident)
    laptop.force_login(resident)
    assert laptop.get("/").status_code == 200
    phone.post(reverse("accounts:logout"))
    assert laptop.get("/")["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(action="auth.logout", actor=resident).exists()


def test_deactivation_ends_every_session(tree, make_user, login, roles):
    admin = make_user(roles.SYSTEM_ADMIN, tree.district)
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    staff_client = Client()
    staff_client.force_login(staff)
    verify_second_factor(staff_client, staff)
    assert staff_client.get("/").status_code == 200
    admin_client = login(admin)
    response = admin_client.post(reverse("accounts:user_deactivate", args=[staff.pk]))
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert staff_client.get("/")["Location"].startswith(LOGIN)
    assert post_login(Client(), staff.username, PASSWORD).status_code == 200  # refused


# --- two-factor -----------------------------------------------------------------------------------


def test_staff_without_a_second_factor_cannot_reach_personal_data(tree, make_user, roles):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    client = Client()
    client.force_login(staff)  # password only
    for url in ("/", "/org/", reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))
    api = client.get("/api/v1/core/org-units")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"


def test_every_staff_and_admin_role_needs_a_second_factor(tree, make_user, roles):
    from gongzhi.accounts.roles import ADMIN_ROLES, PERSONAL_DATA_ROLES, ROLE_UNIT_KIND

    units = {
        "grid": tree.grid_a1,
        "community": tree.community_a,
        "street": tree.street,
        "district": tree.district,
    }
    for role in PERSONAL_DATA_ROLES | ADMIN_ROLES:
        user = make_user(role, units[ROLE_UNIT_KIND[role]])
        assert security.needs_second_factor(user), role
    assert not security.needs_second_factor(make_user(roles.RESIDENT, tree.grid_a1))


def test_enrolment_with_a_qr_code_and_ten_single_use_recovery_codes(tree, make_user, roles):
    staff = make_user(roles.SECRETARY, tree.community_a)
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("accounts:otp_setup"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "<svg" in html and "<script>" not in html
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert client.post(reverse("accounts:otp_setup"), {"token": "000000"}).status_code == 200
    response = client.post(reverse("accounts:otp_setup"), {"token": current_code(device)})
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/org/").status_code == 200
    # A new sign-in asks for the second factor; a recovery code works once.
    laptop = Client()
    laptop.force_login(staff)
    assert laptop.get("/org/")["Location"].startswith(reverse("accounts:otp_verify"))
    assert (
        laptop.post(reverse("accounts:otp_verify"), {"token": codes[0], "next": "/org/"})["Location"]
        == "/org/"
    )
    assert laptop.get("/org/").status_code == 200
    third = Client()
    third.force_login(staff)
    assert third.post(reverse("accounts:otp_verify"), {"token": codes[0]}).status_code == 200
    assert third.get("/org/").status_code == 302
    assert RecoveryCode.objects.filter(device__user=staff).count() == 9
    assert AuditEntry.objects.filter(action="otp.verify", outcome="failed", actor=staff).exists()


def test_a_stolen_password_cannot_enrol_a_new_phone(tree, make_user, roles):
    staff = make_user(roles.SECRETARY, tree.community_a)
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    thief = Client()
    thief.force_login(staff)
    response = thief.get(reverse("accounts:otp_setup"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    assert not TOTPDevice.objects.filter(user=staff, confirmed=False).exists()


def test_the_security_admin_resets_a_second_factor_and_it_is_audited(tree, make_user, login, roles):
    security_admin = make_user(roles.SECURITY_ADMIN, tree.district)
    system_admin = make_user(roles.SYSTEM_ADMIN, tree.district)
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    staff_client = Client()
    staff_client.force_login(staff)
    verify_second_factor(staff_client, staff)
    url = reverse("accounts:otp_reset", args=[staff.pk])
    assert login(system_admin).post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=staff).exists()
    login(security_admin).post(url)
    assert not TOTPDevice.objects.filter(user=staff).exists()
    entry = AuditEntry.objects.get(action="otp.reset")
    assert entry.actor == security_admin and entry.object_id == str(staff.pk)
    # The user's sessions ended; at the next sign-in they enrol again.
    assert staff_client.get("/")["Location"].startswith(LOGIN)


def test_two_factor_is_optional_for_residents(tree, make_user, roles):
    resident = make_user(roles.RESIDENT, tree.grid_a1)
    client = Client()
    client.force_login(resident)
    assert client.get("/").status_code == 200
    assert client.get(reverse("accounts:otp_setup")).status_code == 200


# --- audit of sign-in and of refusals --------------------------------------------------------------


def test_sign_in_events_and_denied_pages_are_audited(tree, make_user, client, roles):
    make_user(roles.RESIDENT, tree.grid_a1, username="r1", phone="13908910001")
    post_login(client, "13908910001", "wrong-password")
    post_login(client, "13908910001", PASSWORD)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    client.post(reverse("accounts:logout"))
    actions = list(
        AuditEntry.objects.filter(kind__in=["auth", "access"]).order_by("id").values_list("action", "outcome")
    )
    assert ("auth.login", "failed") in actions
    assert ("auth.login", "success") in actions
    assert ("access.denied", "denied") in actions
    assert ("auth.logout", "success") in actions
    denied = AuditEntry.objects.get(action="access.denied")
    assert denied.ip == "127.0.0.1" and denied.detail["path"] == reverse("accounts:user_list")


def test_guessing_second_factor_codes_is_rate_limited(tree, make_user, roles, monkeypatch):
    from gongzhi.core import ratelimit

    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_010.0)
    staff = make_user(roles.SECRETARY, tree.community_a)
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    client.force_login(staff)
    statuses = [
        client.post(reverse("accounts:otp_verify"), {"token": f"{i:06d}"}).status_code for i in range(11)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_an_htmx_request_of_an_unverified_staff_member_redirects_the_whole_page(tree, make_user, roles):
    staff = make_user(roles.SECRETARY, tree.community_a)
    client = Client()
    client.force_login(staff)
    response = client.get("/org/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("accounts:otp_setup"))


def test_a_staff_member_whose_password_misses_the_policy_changes_it_at_sign_in(
    tree, make_user, client, roles
):
    # An account made with a resident-grade password, then given a staff role.
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a, password="qomolangma")
    assert post_login(client, staff.username, "qomolangma").status_code == 302
    response = client.get("/org/")
    assert response["Location"].startswith(reverse("accounts:password_change"))
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "qomolangma",
            "new_password1": "Qomolangma-8848",
            "new_password2": "Qomolangma-8848",
        },
    )
    response = client.get("/org/")
    assert response.status_code == 302 and "two-factor" in response["Location"]  # next: the second factor


def test_a_temporary_password_from_the_system_admin_lifts_the_lockout_and_must_be_changed(
    tree, make_user, login, roles
):
    admin = make_user(roles.SYSTEM_ADMIN, tree.district)
    resident = make_user(roles.RESIDENT, tree.grid_a1, phone="13908910001")
    for _i in range(5):
        post_login(Client(), "13908910001", "wrong-password")
    assert post_login(Client(REMOTE_ADDR="10.1.1.1"), "13908910001", PASSWORD).status_code == 429
    security_admin = make_user(roles.SECURITY_ADMIN, tree.district)
    url = reverse("accounts:password_reset", args=[resident.pk])
    assert login(security_admin).post(url, {"temporary_password": "Lhasa-temp-2026"}).status_code == 403
    login(admin).post(url, {"temporary_password": "Lhasa-temp-2026"})
    assert AuditEntry.objects.filter(action="user.password_reset", actor=admin).exists()
    phone = Client(REMOTE_ADDR="10.1.1.1")
    assert post_login(phone, "13908910001", "Lhasa-temp-2026").status_code == 302
    assert phone.get("/")["Location"].startswith(reverse("accounts:password_change"))
    phone.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Lhasa-temp-2026",
            "new_password1": "my-own-pass-9",
            "new_password2": "my-own-pass-9",
        },
    )
    assert phone.get("/").status_code == 200
