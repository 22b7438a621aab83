from django.core.management.base import BaseCommand

from gongzhi.cases.services import case_escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue cases to the community secretary and notify them (each case once)."

    def handle(self, *args, **options):
        total = 0
        while True:
            escalated = case_escalate_overdue()
            total += escalated
            if escalated == 0:
                break
        self.stdout.write(f"escalated {total} overdue case(s)")
