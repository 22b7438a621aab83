from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Household, Resident

register = template.Library()

ACTIONS = {
    "create": gettext_lazy("registered"),
    "update": gettext_lazy("changed"),
    "import": gettext_lazy("imported from a file"),
    "move": gettext_lazy("moved into this household"),
    "member_left": gettext_lazy("a member moved to another household"),
    "move_grid": gettext_lazy("moved to another grid"),
    "move_out": gettext_lazy("moved out"),
    "death": gettext_lazy("death recorded"),
    "move_back": gettext_lazy("moved back"),
}
EXTRA_LABELS = {
    "care_tags": gettext_lazy("care tags"),
    "status": gettext_lazy("status"),
    "date": gettext_lazy("date"),
    "members": gettext_lazy("members"),
    "org_unit": gettext_lazy("grid"),
}


@register.filter
def change_action(code):
    return ACTIONS.get(code, code)


@register.filter
def field_label(name):
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    for model in (Resident, Household):
        try:
            return model._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            continue
    return name


@register.filter
def change_value(value, name):
    """Show a stored code with its label (the history keeps codes, not translated words)."""
    if value is None or value == "":
        return value
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    for model in (Resident, Household):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.choices:
            return dict(field.flatchoices).get(value, value)
    if name == "status":
        return dict(Resident.Status.choices).get(value, value)
    return value
