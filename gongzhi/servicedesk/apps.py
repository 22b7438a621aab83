from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "gongzhi.servicedesk"
    label = "servicedesk"
    verbose_name = "One-stop service desk"
