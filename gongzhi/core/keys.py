"""Key rotation for personal data at rest: every EncryptedTextField of every model, found through
the model registry, is re-encrypted under the current (first) data key."""

from django.apps import apps
from django.db import connection, transaction

from . import audit, crypto
from .fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type, list[str]]]:
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def _raw_batches(model, names, batch_size):
    """Yield lists of (pk, ciphertext, ...) read straight from the table, in primary-key order."""
    qn = connection.ops.quote_name
    meta = model._meta
    pk = qn(meta.pk.column)
    cols = ", ".join(qn(meta.get_field(n).column) for n in names)
    table = qn(meta.db_table)
    last = None
    while True:
        where, params = ("", []) if last is None else (f"WHERE {pk} > %s", [last])
        sql = f"SELECT {pk}, {cols} FROM {table} {where} ORDER BY {pk} LIMIT %s"  # noqa: S608  # identifiers from model _meta, quoted; values are parameters  # nosec B608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def rotate_encrypted_fields(*, actor, batch_size: int = 500) -> dict[str, int]:
    """Rows already under the current key are skipped, so the command can be re-run after an
    interruption. Each batch is its own transaction: the site keeps running meanwhile."""
    crypto.reset_key_cache()
    current = crypto.current_key_id()
    counts: dict[str, int] = {}
    for model, names in encrypted_fields():
        label = model._meta.label_lower
        counts[label] = 0
        for rows in _raw_batches(model, names, batch_size):
            with transaction.atomic():
                for pk, *values in rows:
                    stale = {
                        name: crypto.decrypt(raw)
                        for name, raw in zip(names, values, strict=True)
                        if raw and crypto.ciphertext_key_id(raw) != current
                    }
                    if stale:
                        # .update() runs the field's get_prep_value: encrypted under the current key.
                        model._base_manager.filter(pk=pk).update(**stale)
                        counts[label] += 1
        if counts[label]:
            audit.record(
                actor=actor,
                action="crypto.rotate",
                object_type=label,
                detail={"rows": counts[label], "key": current},
            )
    return counts
