from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stores AES-GCM ciphertext; Python code sees the plaintext. Never filter on it: use the
    blind index column kept beside it."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "gongzhi.core.fields.EncryptedTextField", args, kwargs
