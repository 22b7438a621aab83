"""Encrypted, consistent backups while the site runs.

SQLite: the online backup API copies a consistent snapshot page by page. PostgreSQL: pg_dump
(custom format) reads one snapshot; pg_restore --clean puts it back. The dump is sealed with
AES-GCM under GONGZHI_BACKUP_KEY (url-safe base64 of 32 bytes; in development generated into
var/backup.key). Keep that key apart from the backups: without it they cannot be read.

File: b"GZBACKUP1\\n" + header JSON + b"\\n" + nonce (12 bytes) + ciphertext; the header is
authenticated as associated data, so it cannot be altered either."""

import datetime
import json
import os
import secrets
import shutil
import sqlite3
import subprocess  # noqa: S404  # pg_dump/pg_restore with fixed arguments, no shell  # nosec B404
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection

from . import crypto

MAGIC = b"GZBACKUP1\n"


class BackupError(Exception):
    pass


@lru_cache(maxsize=1)
def _key() -> tuple[str, bytes]:
    key = crypto._decode_key(crypto._configured("GONGZHI_BACKUP_KEY", "backup.key"))
    return crypto.key_id(key), key


def seal(data: bytes, header: dict) -> bytes:
    kid, key = _key()
    head = json.dumps({**header, "key": kid}, sort_keys=True).encode()
    nonce = secrets.token_bytes(12)
    return MAGIC + head + b"\n" + nonce + AESGCM(key).encrypt(nonce, data, head)


def unseal(blob: bytes) -> tuple[dict, bytes]:
    if not blob.startswith(MAGIC):
        raise BackupError("Not a Gongzhi backup file.")
    head, _sep, rest = blob[len(MAGIC) :].partition(b"\n")
    header = json.loads(head)
    kid, key = _key()
    if header.get("key") != kid:
        raise BackupError("The backup was sealed with another GONGZHI_BACKUP_KEY.")
    try:
        data = AESGCM(key).decrypt(rest[:12], rest[12:], head)
    except Exception as exc:  # cryptography raises InvalidTag
        raise BackupError("The backup file is damaged or was altered.") from exc
    return header, data


def _pg_env_and_args() -> tuple[dict, list[str]]:
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    return env, args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed.")
    return path


def dump() -> tuple[dict, bytes]:
    header = {
        "vendor": connection.vendor,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "backup.sqlite3"
            dst = sqlite3.connect(target)
            try:
                connection.connection.backup(dst)
            finally:
                dst.close()
            return header, target.read_bytes()
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        name = connection.settings_dict["NAME"]
        result = subprocess.run(  # noqa: S603  # fixed argument list, no shell, names from settings  # nosec B603
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *args, name],
            env=env,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.decode(errors='replace')[:500]}")
        return header, result.stdout
    raise BackupError(f"Backups of {connection.vendor} databases are not supported.")


def restore(header: dict, data: bytes) -> None:
    if header.get("vendor") != connection.vendor:
        raise BackupError(f"This is a {header.get('vendor')} backup; the database is {connection.vendor}.")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "restore.sqlite3"
            source.write_bytes(data)
            src = sqlite3.connect(source)
            try:
                src.backup(connection.connection)
            finally:
                src.close()
        return
    env, args = _pg_env_and_args()
    name = connection.settings_dict["NAME"]
    connection.close()
    result = subprocess.run(  # noqa: S603  # fixed argument list, no shell, names from settings  # nosec B603
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            *args,
            "--dbname",
            name,
        ],
        input=data,
        env=env,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.decode(errors='replace')[:500]}")


def backup_to(path: str | Path) -> dict:
    header, data = dump()
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(seal(data, header))
    tmp.replace(path)
    return header


def restore_from(path: str | Path) -> dict:
    header, data = unseal(Path(path).read_bytes())
    restore(header, data)
    return header
