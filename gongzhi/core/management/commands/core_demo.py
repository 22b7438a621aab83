import logging
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.core import demo
from gongzhi.core.extension_points import demo_steps

SEED = 20261129


class Command(BaseCommand):
    help = "Build the demo community (纳金社区) with every app's demo data. Deterministic."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the demo already exists."
        )

    def handle(self, *args, if_empty=False, **options):
        if demo.community_exists():
            if if_empty:
                self.stdout.write("The demo community already exists; keeping the data.")
                return
            self.stderr.write("The demo community already exists. Use a fresh database.")
            return
        rng = random.Random(SEED)  # deterministic demo data, not security  # nosec B311
        context: dict = {}
        started = time.monotonic()
        # The demo sends hundreds of notifications; their SMS log lines would bury the summary.
        logging.getLogger("gongzhi.sms").setLevel(logging.WARNING)
        with transaction.atomic():
            demo.build(context, rng, self.stdout)
            for step in demo_steps():
                step_started = time.monotonic()
                step.build(context, rng, self.stdout)
                self.stdout.write(f"  {step.key}: {time.monotonic() - step_started:.1f}s")
        self.stdout.write(self.style.SUCCESS(f"Demo community built in {time.monotonic() - started:.1f}s."))
