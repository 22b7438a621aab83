"""Personal data at rest: AES-GCM encryption with a key ring, an HMAC blind index, masking.

Keys come from the environment (GONGZHI_DATA_KEY, GONGZHI_INDEX_KEY: url-safe base64 of 32 bytes).
GONGZHI_DATA_KEY may list several keys separated by commas: the first encrypts, every one decrypts,
which is what lets `core_rotate_key` re-encrypt while the site runs. In development, missing keys
are generated into var/ on first use; in production the app refuses to start without them.
"""

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "v1"


def _decode_key(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    if len(raw) != 32:
        raise ImproperlyConfigured("Gongzhi keys must be 32 bytes, url-safe base64 encoded.")
    return raw


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _dev_key_file(name: str) -> str:
    path = settings.VAR_DIR / name
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(new_key_text())
    return path.read_text().strip()


def _configured(setting: str, dev_file: str) -> str:
    value = getattr(settings, setting, "") or ""
    if value:
        return value
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured(f"{setting} must be set in production.")
    return _dev_key_file(dev_file)


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@lru_cache(maxsize=1)
def _data_keys() -> tuple[tuple[str, bytes], ...]:
    texts = [t for t in _configured("GONGZHI_DATA_KEY", "data.key").split(",") if t.strip()]
    return tuple((key_id(k), k) for k in map(_decode_key, texts))


@lru_cache(maxsize=1)
def _index_key() -> bytes:
    return _decode_key(_configured("GONGZHI_INDEX_KEY", "index.key"))


def reset_key_cache() -> None:
    _data_keys.cache_clear()
    _index_key.cache_clear()


def current_key_id() -> str:
    return _data_keys()[0][0]


def encrypt(plaintext: str) -> str:
    kid, key = _data_keys()[0]
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), kid.encode())
    return f"{_PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    try:
        prefix, kid, body = token.split(":", 2)
    except ValueError as exc:
        raise ValueError("not an encrypted value") from exc
    if prefix != _PREFIX:
        raise ValueError("unknown ciphertext version")
    keys = dict(_data_keys())
    if kid not in keys:
        raise ValueError("encrypted under a key that is not configured")
    raw = base64.b64decode(body)
    return AESGCM(keys[kid]).decrypt(raw[:12], raw[12:], kid.encode()).decode("utf-8")


def ciphertext_key_id(token: str) -> str:
    return token.split(":", 2)[1]


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for exact lookup and uniqueness; the purpose keeps ID and phone indexes apart."""
    digest = hmac.new(_index_key(), f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


# --- normalisation and masking ------------------------------------------------------------------


def normalize_id_number(value: str) -> str:
    return "".join(value.split()).upper()


def normalize_phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张晓鑫 → 张*鑫, 扎西 → 扎*, Tashi Dolma → T**** D****."""
    if not value:
        return ""
    if " " in value.strip():
        return " ".join(w[:1] + "*" * (len(w) - 1) for w in value.split())
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
