from django.core.management.base import BaseCommand

from gongzhi.cases.services import case_autoclose_stale


class Command(BaseCommand):
    help = "Close resolved cases that the reporter has not rated within 7 days (as 'not rated')."

    def handle(self, *args, **options):
        total = 0
        while True:
            closed = case_autoclose_stale()
            total += closed
            if closed == 0:
                break
        self.stdout.write(f"closed {total} case(s) as not rated")
