import datetime

from django.core.management.base import BaseCommand

from gongzhi.economy import services


class Command(BaseCommand):
    help = (
        "Daily run of the collective economy: issue the rent invoices due, close expired leases, update "
        "shop-unit statuses and send lease-expiry reminders (90, 60 and 30 days ahead). Safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD (today)"
        )

    def handle(self, *args, date=None, **options):
        result = services.leases_daily(as_of=date)
        self.stdout.write(
            f"invoices issued: {result['invoices']}, leases expired: {result['expired']}, "
            f"reminders sent: {result['reminders']}"
        )
