from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Sign-in audit receivers and the lockout audit.
        from . import security

        security.connect_axes_signals()
