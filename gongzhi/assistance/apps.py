from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "gongzhi.assistance"
    label = "assistance"
    verbose_name = "Social assistance"

    def ready(self):
        # The registry's resident_status_changed signal is being added in parallel; connect to it
        # only when it exists. Until then services.enrolment_registry_change is the entry point.
        if find_spec("gongzhi.registry.signals") is None:
            return
        signals = import_module("gongzhi.registry.signals")
        signal = getattr(signals, "resident_status_changed", None)
        if signal is not None:
            from .receivers import on_resident_status_changed

            signal.connect(on_resident_status_changed, dispatch_uid="assistance.resident_status_changed")
