from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gongzhi.dashboard import services
from gongzhi.dashboard.periods import Period


class Command(BaseCommand):
    help = "Recompute the cockpit summaries (default: this year and last year, and their months)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="Also or only this year (repeatable).")

    def handle(self, *args, **options):
        periods = None
        if options["year"]:
            today = timezone.localdate()
            periods = []
            for year in options["year"]:
                if not 2000 <= year <= today.year:
                    raise CommandError(f"Year out of range: {year}")
                periods += [Period(year), *(p for p in Period(year).months() if not p.is_future(today))]
        result = services.summaries_refresh(periods=periods)
        self.stdout.write(
            f"{len(result.periods)} periods, {result.rows} rows, at {result.refreshed_at:%Y-%m-%d %H:%M}"
        )
