"""SMS is pluggable: GONGZHI_SMS_BACKEND names a class with send(phone, text). The default logs the
message (with the number masked) so that development and tests need no gateway."""

import logging
from collections import deque

from django.conf import settings
from django.utils.module_loading import import_string

from .crypto import mask_phone

log = logging.getLogger("gongzhi.sms")


class LoggingSmsBackend:
    sent: deque = deque(maxlen=200)  # the latest messages, for tests and the demo

    def send(self, phone: str, text: str) -> None:
        LoggingSmsBackend.sent.append((phone, text))
        log.info("sms", extra={"to": mask_phone(phone), "length": len(text)})


def get_backend():
    return import_string(settings.GONGZHI_SMS_BACKEND)()
