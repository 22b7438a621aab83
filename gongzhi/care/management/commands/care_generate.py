import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from gongzhi.care.services import recurring_generate


class Command(BaseCommand):
    help = "Create the service orders of standing orders (e.g. weekday meals) for the coming days."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14)

    def handle(self, *args, days, **options):
        until = timezone.localdate() + datetime.timedelta(days=days)
        created = recurring_generate(until=until)
        self.stdout.write(f"{created} service orders created up to {until}")
