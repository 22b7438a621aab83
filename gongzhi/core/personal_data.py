"""Showing personal data unmasked. Pages show ID and phone numbers masked (crypto.mask_*); the
full value is revealed only to a user with the permission for that object, and every reveal is
an access entry in the audit log.

    from gongzhi.core.personal_data import reveal
    number = reveal(actor=request.user, obj=resident, field="document_number")

The default permission `core.unmask_personal_data` covers the community's workers for objects in
their area (rules.py); an app may pass its own `perm`."""

from django.core.exceptions import PermissionDenied

from . import audit

UNMASK_PERM = "core.unmask_personal_data"


def reveal(*, actor, obj, field: str, perm: str = UNMASK_PERM) -> str:
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionDenied
    audit.record_access(actor=actor, obj=obj, what=f"unmasked:{field}")
    return getattr(obj, field)
