from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
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


# A path reversed once per URL name with a stand-in key, then filled with each row's key.
_ROW_URLS: dict[tuple, tuple[str, str]] = {}
_STAND_IN = 987654321987


@register.simple_tag
def row_url(name: str, pk) -> str:
    """`{% url name pk %}` for the rows of a list: Django matches the URL patterns again for every
    row (~40 µs each, most of a row's links); an integer key only ever changes the digits."""
    if not isinstance(pk, int) or isinstance(pk, bool) or pk < 0:
        return reverse(name, args=[pk])
    key = (name, get_script_prefix(), get_urlconf())
    parts = _ROW_URLS.get(key)
    if parts is None:
        path = reverse(name, args=[_STAND_IN])
        if path.count(str(_STAND_IN)) != 1:
            return reverse(name, args=[pk])
        parts = _ROW_URLS[key] = tuple(path.split(str(_STAND_IN)))
    return f"{parts[0]}{pk}{parts[1]}"


@register.simple_tag
def figures_minutes() -> int:
    """How long dashboards keep their figures (core.figures), in whole minutes; 0 when they don't."""
    from django.conf import settings

    return (settings.GONGZHI_FIGURES_CACHE_SECONDS + 59) // 60
