from django.core.management.base import BaseCommand

from gongzhi.core.keys import rotate_encrypted_fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every EncryptedTextField under the first key of GONGZHI_DATA_KEY. Put the new key "
        "first and keep the old ones after it (comma-separated) while this runs; remove them after."
    )

    def handle(self, *args, **options):
        counts = rotate_encrypted_fields(actor=None)
        for label, n in sorted(counts.items()):
            self.stdout.write(f"  {label}: {n} re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(f"Done: {sum(counts.values())} values now under the current key.")
        )
