"""IDOR cases of accounts (see core/tests/test_idor.py)."""

from gongzhi.accounts import services
from gongzhi.core.tests.test_idor import Case


def _user_b(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_b).pk


def _user_a(w):
    return w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_a).pk


def _assignment_b(w):
    user = w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_b)
    return user.role_assignments.get().pk


def _token_of_other(w):
    other = w.make_user(w.roles.COMMUNITY_STAFF, w.tree.community_b)
    token, _secret = services.token_create(actor=other, user=other, name="b")
    return token.pk


CASES = {
    "accounts:user_detail": Case(_user_b, lambda w: w.admin_a(w.roles.SYSTEM_ADMIN), own=_user_a),
    "accounts:password_reset": Case(_user_b, lambda w: w.admin_a(w.roles.SYSTEM_ADMIN), own=_user_a),
    "accounts:user_deactivate": Case(_user_b, lambda w: w.admin_a(w.roles.SYSTEM_ADMIN), method="post"),
    "accounts:otp_reset": Case(_user_b, lambda w: w.admin_a(w.roles.SECURITY_ADMIN), method="post"),
    "accounts:role_revoke": Case(_assignment_b, lambda w: w.admin_a(w.roles.SECURITY_ADMIN), method="post"),
    "accounts:token_revoke": Case(_token_of_other, lambda w: w.staff_a(), method="post"),
}
