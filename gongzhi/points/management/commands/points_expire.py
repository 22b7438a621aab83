from django.core.management.base import BaseCommand

from gongzhi.points.services import expiry_run


class Command(BaseCommand):
    help = "Expire points older than each community's expiry setting, oldest first (run daily)."

    def handle(self, *args, **options):
        total = expiry_run(actor=None)
        self.stdout.write(f"points_expire: {total} point(s) expired.")
