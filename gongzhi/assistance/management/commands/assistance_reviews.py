from django.core.management.base import BaseCommand

from gongzhi.assistance import services


class Command(BaseCommand):
    help = "Open the periodic review tasks that fall due soon (run daily)."

    def handle(self, *args, **options):
        n = services.reviews_open_due(actor=None)
        self.stdout.write(f"{n} review tasks opened.")
