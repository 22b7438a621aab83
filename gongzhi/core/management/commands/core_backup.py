from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import audit
from gongzhi.core.backup import BackupError, backup_to


class Command(BaseCommand):
    help = "Write a consistent, encrypted backup of the database to PATH while the site runs."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            # Recorded first, so the backup itself carries the record of its making.
            audit.record(actor=None, action="backup.create", object_type="database")
            header = backup_to(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Encrypted {header['vendor']} backup written to {path}."))
