import base64

from django.conf import settings
from django.core.management.base import BaseCommand

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role


class Command(BaseCommand):
    help = "Print the demo logins (staff by username, residents by mobile number) and the demo password."

    def handle(self, *args, **options):
        users = (
            User.objects.filter(is_active=True).prefetch_related("role_assignments__org_unit").order_by("id")
        )
        staff, residents = [], []
        for user in users:
            roles = [a for a in user.role_assignments.all() if a.is_active]
            if any(a.role == Role.RESIDENT for a in roles):
                residents.append((user.phone, user.display_name))
            elif roles:
                label = ", ".join(f"{Role(a.role).label} @ {a.org_unit.name}" for a in roles)
                staff.append((user.username, label))
        out = self.stdout
        out.write("")
        out.write("Gongzhi is starting at http://127.0.0.1:8000")
        out.write(f"Demo password for every account: {settings.GONGZHI_DEMO_PASSWORD}")
        out.write("Staff (sign in with the username):")
        for username, label in staff:
            out.write(f"  {username:<12} {label}")
        key = settings.GONGZHI_DEMO_TOTP_KEY
        if key and not settings.IS_PRODUCTION:
            secret = base64.b32encode(bytes.fromhex(key)).decode()
            out.write("Staff then give a two-factor code: `python manage.py accounts_otp` prints the")
            out.write(f"current one, or add the demo key {secret} to an authenticator app.")
        if residents:
            out.write("Residents (sign in with the mobile number):")
            for phone, name in residents[:10]:
                out.write(f"  {phone:<12} {name}")
        out.write("")
