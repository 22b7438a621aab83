from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "gongzhi.venues"
    label = "venues"
    verbose_name = "Function rooms and bookings"
