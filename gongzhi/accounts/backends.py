from django.contrib.auth.backends import ModelBackend

from gongzhi.core import crypto

from .models import User


class UsernameOrPhoneBackend(ModelBackend):
    """Staff give their username; residents their mobile number (looked up by blind index)."""

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
