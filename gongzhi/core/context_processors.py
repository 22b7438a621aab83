from django.conf import settings

from .extension_points import nav_items
from .selectors import notification_unread_count


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "unread_count": 0, "languages": settings.LANGUAGES}
    items = [item for item in nav_items() if user.has_perm(item.permission)]
    return {
        "nav": items,
        "unread_count": notification_unread_count(user=user),
        "languages": settings.LANGUAGES,
    }
