"""Receivers for registry signals (connected in apps.py when gongzhi.registry.signals exists)."""

from . import services


def on_resident_status_changed(sender, resident, old_status, new_status, actor=None, **kwargs):
    """A resident's status changed in the registry (death, move-out, ...): review their assistance."""
    if old_status == new_status:
        return []
    change = new_status if new_status in services.CHANGE_KINDS else "other"
    return services.enrolment_registry_change(resident=resident, change=change, actor=actor)
