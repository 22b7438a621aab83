import os

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("gongzhi")
def production_secrets(app_configs, **kwargs):
    problems = []
    if settings.IS_PRODUCTION:
        for name in ("SECRET_KEY", "GONGZHI_DATA_KEY", "GONGZHI_INDEX_KEY", "GONGZHI_AUDIT_KEY"):
            if not getattr(settings, name, None) and not os.environ.get(name):
                problems.append(Error(f"{name} must be set in production.", id="gongzhi.E001"))
    return problems


@register("gongzhi", deploy=False)
def active_superuser(app_configs, **kwargs):
    """A superuser is only for bootstrap: warn while one is active."""
    from django.db import DatabaseError

    from gongzhi.accounts.models import User

    try:
        names = list(
            User.objects.filter(is_superuser=True, is_active=True).values_list("username", flat=True)[:5]
        )
    except DatabaseError:
        return []
    if names:
        return [
            Warning(
                f"An active superuser exists ({', '.join(names)}): keep it for bootstrap only.",
                id="gongzhi.W001",
            )
        ]
    return []


@register("gongzhi")
def no_demo_keys_in_production(app_configs, **kwargs):
    if settings.IS_PRODUCTION and getattr(settings, "GONGZHI_DEMO_TOTP_KEY", ""):
        return [Error("GONGZHI_DEMO_TOTP_KEY is for the development demo only.", id="gongzhi.E002")]
    return []


@register("gongzhi")
def no_bench_views_in_production(app_configs, **kwargs):
    if settings.IS_PRODUCTION and getattr(settings, "GONGZHI_BENCH", False):
        return [Error("GONGZHI_BENCH mounts benchmark-only views; never in production.", id="gongzhi.E003")]
    return []
