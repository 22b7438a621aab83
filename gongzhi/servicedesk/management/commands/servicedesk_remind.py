import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from gongzhi.servicedesk import services


class Command(BaseCommand):
    help = (
        "Remind staff of forwarded errands due within a working day or overdue (run daily, e.g. from cron)."
    )

    def handle(self, *args, **options):
        n = services.forward_remind()
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        missed = services.appointment_mark_no_shows(actor=None, day=yesterday)
        self.stdout.write(f"{n} forwarded errand(s) reminded, {missed} missed appointment(s) marked")
