from django.core.management.base import BaseCommand, CommandError

from gongzhi.points.selectors import verify


class Command(BaseCommand):
    help = (
        "Recompute every point balance, lifetime total and reward stock from the ledgers; name each mismatch."
    )

    def handle(self, *args, **options):
        problems = verify()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} mismatch(es) found.")
        self.stdout.write("points_verify: every balance and stock matches its ledger.")
