from django.contrib.auth.backends import ModelBackend

from gongzhi.core import crypto, rawsql

from .models import User


class UsernameOrPhoneBackend(ModelBackend):
    """Staff give their username; residents their mobile number (looked up by blind index).

    It grants no permission: permissions are the named rules of each app's rules.py (checked by
    rules.permissions.ObjectPermissionBackend), and Django's permission and group tables stay empty.
    ModelBackend would read both tables on every refused check (two queries on every page, for the
    menu's entries the user may not open)."""

    # Every signed-in page reads its user: SQL written once instead of an ORM query compiled on
    # each request (docs/performance.md).
    _USER_SQL = "SELECT * FROM accounts_user WHERE id = %s"

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = rawsql.fetch_first(User, self._USER_SQL, [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False

    def with_perm(self, perm, is_active=True, include_superusers=True, obj=None):
        return User.objects.none()

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        phone = crypto.normalize_phone(username)
        user = None
        if (
            phone
            and len(phone) == 11
            and username.strip().lstrip("+").replace(" ", "").replace("-", "").isdigit()
        ):
            user = User.objects.filter(phone_index=crypto.blind_index(phone, purpose="user-phone")).first()
        if user is None:
            user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            # Spend the same time as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
