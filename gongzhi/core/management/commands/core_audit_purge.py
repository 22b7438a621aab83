import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.core.services import AUDIT_MIN_RETENTION_DAYS, audit_purge


class Command(BaseCommand):
    help = (
        "Delete audit entries older than --days (at least 183: MLPS level 3 keeps audit records six "
        "months). The chain stays verifiable. On PostgreSQL run it as the table owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="keep entries younger than this")

    def handle(self, *args, days, **options):
        before = timezone.now() - datetime.timedelta(days=days)
        try:
            count = audit_purge(actor=None, before=before)
        except ApplicationError as exc:
            raise CommandError(
                f"Refused: audit entries are kept for at least {AUDIT_MIN_RETENTION_DAYS} days."
            ) from exc
        self.stdout.write(f"Deleted {count} audit entries older than {days} days.")
