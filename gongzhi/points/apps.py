from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "gongzhi.points"
    label = "points"
    verbose_name = "Points bank"
