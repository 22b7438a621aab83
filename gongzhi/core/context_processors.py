from typing import NamedTuple

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language

from .extension_points import nav_items, registry
from .selectors import notification_unread_count


class NavLink(NamedTuple):
    url: str
    label: str


# The menu a set of roles sees, per language: every navigation permission is checked without an
# object and decided by the role names alone (gongzhi/core/tests/test_nav.py holds every entry to
# that), so users with the same roles share one computed menu. Before, every page checked ~30
# permissions and reversed ~30 URLs for it. Bounded; emptied when an entry is registered.
_menus: dict[tuple, tuple[NavLink, ...]] = {}
_MENUS_MAX = 512


def menu_for(user) -> tuple[NavLink, ...]:
    key = (
        frozenset(user.role_names()),
        bool(user.is_superuser and user.is_active),
        get_language(),
        get_script_prefix(),
        registry.nav_version,
    )
    menu = _menus.get(key)
    if menu is None:
        menu = tuple(
            NavLink(reverse(item.url_name), str(item.label))
            for item in nav_items()
            if user.has_perm(item.permission)
        )
        if len(_menus) >= _MENUS_MAX:
            _menus.clear()
        _menus[key] = menu
    return menu


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": (), "unread_count": 0, "languages": settings.LANGUAGES}
    return {
        "nav": menu_for(user),
        "unread_count": notification_unread_count(user=user),
        "languages": settings.LANGUAGES,
    }
