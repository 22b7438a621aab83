"""Encrypted backups (issue 3, item 9): streamed in chunks (constant memory), authenticated
header and chunk order, restore into an empty database with the same row counts and audit chain.
Runs on SQLite and, under DATABASE_URL=postgres://..., through pg_dump/pg_restore."""

import io
import struct
import tracemalloc

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongzhi.core import audit, backup
from gongzhi.core.models import AuditEntry
from gongzhi.core.tests.test_security import make_resident


def _counts():
    tables = [t for t in connection.introspection.table_names() if not t.startswith("django_migrations")]
    out = {}
    with connection.cursor() as cursor:
        for t in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(t)}")  # noqa: S608  # nosec B608
            out[t] = cursor.fetchone()[0]
    return out


def _chunks(blob: bytes) -> tuple[bytes, list[bytes]]:
    """Split a format-2 file into its preamble (magic + header line) and its length-prefixed chunks."""
    head_end = blob.index(b"\n", len(backup.MAGIC)) + 1
    preamble, rest, chunks = blob[:head_end], blob[head_end:], []
    while rest:
        (n,) = struct.unpack(">I", rest[:4])
        chunks.append(rest[: 4 + n])
        rest = rest[4 + n :]
    return preamble, chunks


def _restore_fails(path, data, match="damaged"):
    path.write_bytes(data)
    with pytest.raises(CommandError, match=match):
        call_command("core_restore", str(path), "--yes")


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database(tree, make_user, roles, tmp_path):
    make_user(roles.RESIDENT, tree.grid_a1, phone="13908917777")
    make_resident(tree)
    path = tmp_path / "gongzhi.backup"
    call_command("core_backup", str(path), stdout=io.StringIO())
    before = _counts()
    head = AuditEntry.objects.order_by("-id").values_list("hmac", flat=True).first()
    blob = path.read_bytes()
    assert blob.startswith(b"GZBACKUP2\n") and b"13908917777" not in blob and "央金".encode() not in blob
    assert (path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["gongzhi.backup"]  # no temporary file left behind
    call_command("flush", "--no-input")
    assert AuditEntry.objects.count() == 0
    call_command("core_restore", str(path), "--yes", stdout=io.StringIO())
    after = _counts()
    after["core_auditentry"] -= 1  # the restore records itself
    assert after == before
    assert AuditEntry.objects.filter(hmac=head).exists()
    assert audit.verify_chain() is None


def _sealed(data: bytes, chunk_size: int = 1000) -> bytes:
    out = io.BytesIO()
    backup.seal_stream(io.BytesIO(data), out, {"vendor": "sqlite"}, chunk_size=chunk_size)
    return out.getvalue()


def _open(blob: bytes) -> bytes:
    out = io.BytesIO()
    backup.open_stream(io.BytesIO(blob), out)
    return out.getvalue()


def test_the_stream_round_trips_in_chunks(db):
    data = bytes(range(256)) * 20  # 5120 bytes: six chunks of at most 1000
    blob = _sealed(data)
    preamble, chunks = _chunks(blob)
    assert len(chunks) == 6 and _open(blob) == data
    assert _open(_sealed(b"")) == b""  # an empty stream is one (final) empty chunk


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda pre, ch: pre + b"".join(ch[:-1]), id="last chunk dropped (truncated)"),
        pytest.param(lambda pre, ch: pre + b"".join([ch[1], ch[0], *ch[2:]]), id="chunks swapped"),
        pytest.param(lambda pre, ch: pre + b"".join(ch[:2] + ch[3:]), id="middle chunk dropped"),
        pytest.param(lambda pre, ch: pre.replace(b"sqlite", b"sqlitf") + b"".join(ch), id="header edited"),
        pytest.param(lambda pre, ch: pre + b"".join(ch) + ch[-1], id="chunk appended"),
        pytest.param(
            lambda pre, ch: pre + b"".join(ch[:-1]) + ch[-1][:-1] + bytes([ch[-1][-1] ^ 1]), id="bit flipped"
        ),
    ],
)
def test_a_tampered_stream_is_refused(db, tamper):
    preamble, chunks = _chunks(_sealed(bytes(5120)))
    with pytest.raises(backup.BackupError, match="damaged"):
        _open(tamper(preamble, chunks))


def test_chunks_of_another_backup_do_not_fit(db):
    pre_a, chunks_a = _chunks(_sealed(b"a" * 3000))
    _pre_b, chunks_b = _chunks(_sealed(b"b" * 3000))
    with pytest.raises(backup.BackupError, match="damaged"):
        _open(pre_a + chunks_b[0] + b"".join(chunks_a[1:]))


def test_another_key_is_named(db, settings):
    blob = _sealed(b"x" * 10)
    settings.GONGZHI_BACKUP_KEY = backup.crypto.new_key_text()
    backup._key.cache_clear()
    try:
        with pytest.raises(backup.BackupError, match="another GONGZHI_BACKUP_KEY"):
            _open(blob)
    finally:
        backup._key.cache_clear()


def test_a_format_1_backup_still_opens(db):
    import json
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kid, key = backup._key()
    head = json.dumps({"vendor": "sqlite", "key": kid}, sort_keys=True).encode()
    nonce = secrets.token_bytes(12)
    blob = backup.MAGIC_V1 + head + b"\n" + nonce + AESGCM(key).encrypt(nonce, b"old dump", head)
    assert _open(blob) == b"old dump"


def test_sealing_uses_constant_memory(db):
    """20 MiB pass through with a peak of a few chunks, not the size of the data."""

    class Zeros(io.RawIOBase):
        def __init__(self, size):
            self.left = size

        def readable(self):
            return True

        def read(self, n=-1):
            n = self.left if n < 0 else min(n, self.left)
            self.left -= n
            return bytes(n)

    class Sink(io.RawIOBase):
        written = 0

        def writable(self):
            return True

        def write(self, b):
            self.written += len(b)
            return len(b)

    size = 20 * backup.CHUNK_SIZE
    sink = Sink()
    tracemalloc.start()
    try:
        backup.seal_stream(Zeros(size), sink, {"vendor": "sqlite"})
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.written > size
    assert peak < 5 * backup.CHUNK_SIZE, peak


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_changes_nothing(tree, tmp_path):
    path = tmp_path / "gongzhi.backup"
    call_command("core_backup", str(path), stdout=io.StringIO())
    preamble, chunks = _chunks(path.read_bytes())
    before = _counts()
    _restore_fails(tmp_path / "cut.backup", preamble + b"".join(chunks[:-1]))
    _restore_fails(tmp_path / "flipped.backup", path.read_bytes()[:-5] + b"xxxxx")
    _restore_fails(tmp_path / "other.backup", b"PK\x03\x04 not a backup", match="Not a Gongzhi backup")
    assert _counts() == before
