"""`python manage.py bench_seed --scale district|community`: bulk-build a benchmark database.

See gongzhi.benchsupport.seed for what is written and what is left out (no audit entries: a bench
database is not a record of anyone's actions). Refuses a database that already holds a seed."""

import json

from django.core.management.base import BaseCommand, CommandError

from gongzhi.benchsupport import seed


class Command(BaseCommand):
    help = "Bulk-build a benchmark database: a district (300,000 residents) or 1% of it (community)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(seed.SCALES), default="community")
        parser.add_argument("--marker", action="store_true", help="Print the database's marker and stop.")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the timings as JSON at the end."
        )

    def handle(self, *args, scale, marker, as_json, **options):
        if marker:
            self.stdout.write(seed.marker_of_database() or "")
            return
        self.stdout.write(f"bench_seed --scale {scale}")
        try:
            result = seed.Seeder(seed.SCALES[scale], log=self.stdout.write).run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        result["counts"] = seed.counts()
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
