from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.models import User
from gongzhi.accounts.services import token_create


class Command(BaseCommand):
    help = "Create an API bearer token for USERNAME and print it (it is stored hashed and shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _token, secret = token_create(actor=None, user=user, name=name)
        self.stdout.write(secret)
