"""Encrypted, consistent backups while the site runs, streamed in constant memory.

SQLite: the online backup API copies a consistent snapshot page by page into a private temporary
file. PostgreSQL: pg_dump (custom format) reads one snapshot and streams it through a pipe;
pg_restore --clean puts it back. The dump is sealed under GONGZHI_BACKUP_KEY (url-safe base64 of
32 bytes; in development generated into var/backup.key). Keep that key apart from the backups:
without it they cannot be read.

File format 2 (a chunked AEAD stream, in the manner of the STREAM construction):

    b"GZBACKUP2\\n" + header JSON + b"\\n" + chunk*      chunk = 4-byte big-endian length + sealed

The header names the key (its id) and carries a random 16-byte salt; each file gets its own
AES-256-GCM key, HKDF-SHA256(backup key, salt). Chunk i (1 MiB of plaintext) is sealed with the
nonce counter(i, 11 bytes) + last-flag(1 byte) and the header bytes as associated data. So the
header cannot be altered, chunks cannot be reordered, dropped, or taken from another file, and a
truncated file is refused (its last chunk lacks the flag). A restore decrypts and authenticates
the whole file into a private temporary file before it touches the database.

Format 1 files (one AES-GCM block, written before streaming) are still read."""

import datetime
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess  # noqa: S404  # pg_dump/pg_restore with fixed arguments, no shell  # nosec B404
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connection

from . import crypto

MAGIC_V1 = b"GZBACKUP1\n"
MAGIC = b"GZBACKUP2\n"
CHUNK_SIZE = 1 << 20
_LEN = struct.Struct(">I")
_MAX_HEADER = 4096


class BackupError(Exception):
    pass


@lru_cache(maxsize=1)
def _key() -> tuple[str, bytes]:
    key = crypto._decode_key(crypto._configured("GONGZHI_BACKUP_KEY", "backup.key"))
    return crypto.key_id(key), key


def _file_key(salt: bytes) -> AESGCM:
    _kid, key = _key()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"gongzhi backup v2")
    return AESGCM(hkdf.derive(key))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# --- the sealed stream ---------------------------------------------------------------------------


def seal_stream(source: BinaryIO, target: BinaryIO, header: dict, chunk_size: int = CHUNK_SIZE) -> int:
    """Encrypt `source` into `target` chunk by chunk; returns the number of plaintext bytes."""
    kid, _key_bytes = _key()
    salt = secrets.token_bytes(16)
    head = json.dumps(
        {**header, "key": kid, "salt": salt.hex(), "chunk": chunk_size}, sort_keys=True
    ).encode()
    aead = _file_key(salt)
    target.write(MAGIC + head + b"\n")
    total, counter = 0, 0
    current = source.read(chunk_size)
    while True:
        following = source.read(chunk_size) if current else b""
        last = not following
        sealed = aead.encrypt(_nonce(counter, last), current, head)
        target.write(_LEN.pack(len(sealed)) + sealed)
        total += len(current)
        if last:
            return total
        current, counter = following, counter + 1


def _read_header(source: BinaryIO) -> tuple[bytes, bytes]:
    magic = source.read(len(MAGIC))
    if magic not in (MAGIC, MAGIC_V1):
        raise BackupError("Not a Gongzhi backup file.")
    head = source.readline(_MAX_HEADER)
    if not head.endswith(b"\n"):
        raise BackupError("The backup file is damaged or was altered.")
    return magic, head[:-1]


def _check_key(header: dict) -> None:
    kid, _key_bytes = _key()
    if header.get("key") != kid:
        raise BackupError("The backup was sealed with another GONGZHI_BACKUP_KEY.")


def open_stream(source: BinaryIO, target: BinaryIO) -> dict:
    """Authenticate and decrypt a backup from `source` into `target`; returns its header.
    Raises BackupError before returning if anything is missing, altered or out of place."""
    magic, head = _read_header(source)
    try:
        header = json.loads(head)
    except ValueError as exc:
        raise BackupError("The backup file is damaged or was altered.") from exc
    _check_key(header)
    if magic == MAGIC_V1:
        return _open_v1(source, target, head, header)
    try:
        aead = _file_key(bytes.fromhex(header["salt"]))
        limit = int(header["chunk"]) + 16
    except (KeyError, ValueError) as exc:
        raise BackupError("The backup file is damaged or was altered.") from exc
    counter = 0
    while True:
        raw_len = source.read(_LEN.size)
        if len(raw_len) != _LEN.size:
            raise BackupError("The backup file is damaged or was altered (it ends too early).")
        (length,) = _LEN.unpack(raw_len)
        if length > limit:
            raise BackupError("The backup file is damaged or was altered.")
        sealed = source.read(length)
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(counter, last), sealed, head)
            except InvalidTag:
                continue
            target.write(plain)
            break
        else:
            raise BackupError("The backup file is damaged or was altered.")
        if last:
            if source.read(1):
                raise BackupError("The backup file is damaged or was altered (data after its end).")
            return header
        counter += 1


def _open_v1(source: BinaryIO, target: BinaryIO, head: bytes, header: dict) -> dict:
    _kid, key = _key()
    rest = source.read()
    try:
        target.write(AESGCM(key).decrypt(rest[:12], rest[12:], head))
    except InvalidTag as exc:
        raise BackupError("The backup file is damaged or was altered.") from exc
    return header


# --- database dump and restore -------------------------------------------------------------------


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


@contextmanager
def _private_tempdir(near: Path) -> Iterator[Path]:
    """A 0700 temporary directory beside the target (same disk, not /tmp's RAM disk)."""
    with tempfile.TemporaryDirectory(dir=near, prefix=".gzbackup-") as tmp:
        yield Path(tmp)


def _dump_into(target: BinaryIO, header: dict, workdir: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        snapshot = workdir / "snapshot.sqlite3"
        dst = sqlite3.connect(snapshot)
        try:
            connection.connection.backup(dst, pages=1024)
        finally:
            dst.close()
        with snapshot.open("rb") as source:
            seal_stream(source, target, header)
        return
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        name = connection.settings_dict["NAME"]
        with (workdir / "pg_dump.err").open("w+b") as errors:
            proc = subprocess.Popen(  # noqa: S603  # fixed argument list, no shell, names from settings  # nosec B603
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *args, name],
                env=env,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
            try:
                seal_stream(proc.stdout, target, header)
            finally:
                proc.stdout.close()
                code = proc.wait()
            if code != 0:
                errors.seek(0)
                raise BackupError(f"pg_dump failed: {errors.read(500).decode(errors='replace')}")
        return
    raise BackupError(f"Backups of {connection.vendor} databases are not supported.")


def backup_to(path: str | Path) -> dict:
    """Write the sealed backup to `path` (atomically: a .part file renamed at the end)."""
    path = Path(path)
    header = {
        "vendor": connection.vendor,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as target, _private_tempdir(path.parent) as workdir:
            _dump_into(target, header, workdir)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return header


def _restore_file(header: dict, plain: Path) -> None:
    if header.get("vendor") != connection.vendor:
        raise BackupError(f"This is a {header.get('vendor')} backup; the database is {connection.vendor}.")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        src = sqlite3.connect(plain)
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
            str(plain),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.decode(errors='replace')[:500]}")


def restore_from(path: str | Path) -> dict:
    """Authenticate the whole file while decrypting it to a private temporary file, then
    restore from that file: a damaged or altered backup never reaches the database."""
    path = Path(path)
    with _private_tempdir(path.parent) as workdir:
        plain = workdir / "restore.dump"
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with path.open("rb") as source, os.fdopen(fd, "wb") as target:
            header = open_stream(source, target)
        _restore_file(header, plain)
    return header
