from django.core.management.base import BaseCommand

from gongzhi.deliberation.services import decisions_close_due


class Command(BaseCommand):
    help = "Close the household votes whose time is up and publish their counts (run from cron)."

    def handle(self, *args, **options):
        closed = decisions_close_due()
        self.stdout.write(f"{closed} vote(s) closed")
