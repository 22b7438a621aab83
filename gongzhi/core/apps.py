from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = "Gongzhi core"

    def ready(self):
        from . import checks  # noqa: F401  (registers system checks)

        if settings.IS_PRODUCTION:
            # Refuse to start without the keys for personal data and the audit chain.
            from . import audit, crypto

            crypto._data_keys()
            crypto._index_key()
            audit._chain_key()

        # Each domain app contributes navigation, home panels and demo builders through its
        # extensions module, so that core never imports the apps above it.
        for app in settings.GONGZHI_APPS:
            module = f"gongzhi.{app}.extensions"
            if find_spec(module) is not None:
                import_module(module)
