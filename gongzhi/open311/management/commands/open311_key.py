"""python manage.py open311_key NAME [--community CODE] [--partner ID] — issue an Open311 key and
print it (shown once); --revoke PREFIX revokes; --list lists the keys."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import PartnerUnit

from ... import selectors, services
from ...models import ApiKey


class Command(BaseCommand):
    help = "Issue an Open311 api_key for a partner's system (printed once), revoke one or list them."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="Name of the key, e.g. the partner's system")
        parser.add_argument(
            "--community", default="", help="Org-unit code of the community (default: the jurisdiction)"
        )
        parser.add_argument("--partner", type=int, help="Id of the partner unit using the key")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the active key beginning with PREFIX")
        parser.add_argument("--list", dest="list_keys", action="store_true", help="List the keys")

    def handle(self, *args, name=None, community="", partner=None, revoke=None, list_keys=False, **options):
        if list_keys:
            for key in ApiKey.objects.select_related("org_unit", "partner").order_by(
                "org_unit__code", "-created_at"
            ):
                state = "active" if key.is_active else f"revoked {key.revoked_at:%Y-%m-%d}"
                self.stdout.write(f"{key.prefix}…  {key.org_unit.code}  {key.name}  ({state})")
            return
        if revoke:
            keys = ApiKey.objects.filter(prefix=revoke.strip(), revoked_at__isnull=True)
            if keys.count() != 1:
                raise CommandError(f"No single active key begins with {revoke}.")
            services.apikey_revoke(actor=None, key=keys.get())
            self.stdout.write(f"Revoked {revoke}.")
            return
        if not name:
            raise CommandError("Give the key a NAME (or use --revoke / --list).")
        unit = selectors.jurisdiction_get(community)
        if unit is None:
            raise CommandError(f"No community with the code {community!r}.")
        partner_unit = None
        if partner is not None:
            partner_unit = PartnerUnit.objects.filter(pk=partner, org_unit=unit).first()
            if partner_unit is None:
                raise CommandError(f"No partner unit {partner} in {unit.code}.")
        try:
            key, secret = services.apikey_create(actor=None, community=unit, name=name, partner=partner_unit)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stderr.write(f"Key {key.name!r} for {unit.name} ({unit.code}); it is shown only once:")
        self.stdout.write(secret)
