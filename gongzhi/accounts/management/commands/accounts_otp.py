from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from gongzhi.accounts.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Development only: print the current two-factor code of the demo staff accounts (they share "
        "the known key GONGZHI_DEMO_TOTP_KEY). A code is accepted once per account per 30 seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="check that this account uses the demo key")

    def handle(self, *args, **options):
        key = settings.GONGZHI_DEMO_TOTP_KEY
        if settings.IS_PRODUCTION or not key:
            raise CommandError("There is no demo two-factor key (never in production).")
        if (
            options["username"]
            and not TOTPDevice.objects.filter(
                user__username=options["username"], key=key, confirmed=True
            ).exists()
        ):
            raise CommandError(f"{options['username']} has no demo authenticator.")
        device = TOTPDevice(key=key)
        self.stdout.write(f"{totp(device.bin_key, step=30, t0=0, digits=6):06d}")
