from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import verify_chain
from gongzhi.core.models import AuditEntry


class Command(BaseCommand):
    help = "Recompute every HMAC chain of the audit log and name the first entry edited, deleted or inserted."

    def handle(self, *args, **options):
        broken = verify_chain()
        if broken is not None:
            what = {
                "content": "was edited",
                "link": "does not follow its predecessor (an entry before it was "
                "deleted, or it was inserted out of place)",
                "sealed_head": "records the head of a chain that is gone or changed (its newest "
                "entries were deleted or edited)",
            }[broken.reason]
            raise CommandError(f"Audit chain broken at entry {broken.entry_id}: it {what}.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {AuditEntry.objects.count()} entries."))
