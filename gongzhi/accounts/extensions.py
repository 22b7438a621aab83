from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import DemoStep, NavItem, register_demo_step, register_nav

register_nav(NavItem("accounts", _("Accounts"), "accounts:user_list", "accounts.view_users", order=950))


def _demo_two_factor(context, rng, out=None):
    """Demo staff accounts get an authenticator with the known development key, so that `make run`
    logins work: `python manage.py accounts_otp` prints the current code (accounts_logins says how)."""
    from django.conf import settings

    from gongzhi.accounts.models import TOTPDevice

    from . import security, services
    from .models import User

    key = settings.GONGZHI_DEMO_TOTP_KEY
    if not key or settings.IS_PRODUCTION:
        return
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    users = User.objects.filter(is_active=True).exclude(pk__in=enrolled).prefetch_related("role_assignments")
    for user in users:
        if security.needs_second_factor(user):
            services.otp_device_install(actor=None, user=user, key_hex=key)


# Last, after every app's demo has made its staff accounts.
register_demo_step(DemoStep("accounts.two_factor", _demo_two_factor, order=100_000))
