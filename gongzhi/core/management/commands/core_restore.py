from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import audit
from gongzhi.core.backup import BackupError, restore_from


class Command(BaseCommand):
    help = "Restore the database from an encrypted backup written by core_backup (replaces its content)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, path, yes=False, **options):
        if not yes and input("This replaces the whole database. Type 'yes' to go on: ").strip() != "yes":
            raise CommandError("Cancelled.")
        try:
            header = restore_from(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit.record(
            actor=None, action="backup.restore", object_type="database", detail={"created": header["created"]}
        )
        self.stdout.write(self.style.SUCCESS(f"Restored the backup made at {header['created']}."))
