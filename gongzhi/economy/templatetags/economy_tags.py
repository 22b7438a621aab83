from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def yuan(value, places=2):
    """1234567.8 → "1,234,567.80": the bookkeeper's grouping whatever the interface language."""
    try:
        number = Decimal(str(value if value is not None else 0))
    except (InvalidOperation, ValueError):
        return value
    return f"{number:,.{int(places)}f}"
