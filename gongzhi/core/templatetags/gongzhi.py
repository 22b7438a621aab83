from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def local_name(obj) -> str:
    """The object's Tibetan name on Tibetan pages when it has one (name_bo), else its name."""
    if obj is None:
        return ""
    if (get_language() or "").startswith("bo"):
        name_bo = getattr(obj, "name_bo", "")
        if name_bo:
            return name_bo
    return getattr(obj, "name", str(obj))


@register.filter
def opens_list(metric, user) -> bool:
    """Whether the cockpit tile of `metric` links to its list for `user`: only when the list would
    let them in (a link that answers 403 is a dead end)."""
    return bool(metric.list_url) and (not metric.list_perm or user.has_perm(metric.list_perm))
