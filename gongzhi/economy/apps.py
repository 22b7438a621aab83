from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "gongzhi.economy"
    label = "economy"
    verbose_name = "Collective economy"
