from django.core.management.base import BaseCommand

from gongzhi.core import audit


class Command(BaseCommand):
    help = (
        "Record the head of every community's audit chain in the system chain, so that deleting a "
        "chain's newest entries is caught by core_audit_verify. Run hourly by core_scheduler."
    )

    def handle(self, *args, **options):
        entry = audit.seal()
        self.stdout.write(f"Sealed {len(entry.detail['heads'])} audit chains in entry {entry.pk}.")
