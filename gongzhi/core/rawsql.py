"""Model instances from SQL written once, for the statements every request runs (the session, the
user, the roles, the token, the points award's reads).

Django's `Model.objects.raw()` works out on every call which column feeds which field and which
converters apply: ~0.1 ms each time, 15% of a points award's CPU (py-spy, docs/performance.md).
For a fixed SQL text that never changes, so it is worked out once per SQL text and connection.
The instances are what RawQuerySet builds (`Model.from_db`, the backend's and the fields'
converters, extra columns set as attributes)."""

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models.sql import Query

_PLANS: dict[tuple, tuple] = {}
_PLANS_MAX = 512


def _plan(model, columns: list[str], connection, alias: str) -> tuple:
    to_column = connection.introspection.identifier_converter
    by_column = {to_column(f.column): f for f in model._meta.fields}
    init_fields = [f for f in model._meta.fields if to_column(f.column) in columns]
    names = [f.attname for f in init_fields]
    if model._meta.pk.attname not in names:
        raise FieldDoesNotExist("Raw query must include the primary key")
    positions = [columns.index(to_column(f.column)) for f in init_fields]
    extras = [(column, pos) for pos, column in enumerate(columns) if column not in by_column]
    compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, alias)
    fields = [by_column.get(c) for c in columns]
    converters = compiler.get_converters([f.get_col(f.model._meta.db_table) if f else None for f in fields])
    return names, positions, extras, list(converters.items())


def fetch(model, sql: str, params, *, using: str = "default") -> list:
    """Every row of `sql` as an instance of `model` (its columns by name, the primary key among
    them; other columns become attributes)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if not rows:
            return []
        key = (model, sql, using, id(connection))
        plan = _PLANS.get(key)
        if plan is None:
            if len(_PLANS) >= _PLANS_MAX:
                _PLANS.clear()
            columns = [column[0] for column in cursor.description]
            plan = _PLANS[key] = _plan(model, columns, connection, using)
    names, positions, extras, converters = plan
    out = []
    for row in rows:
        if converters:
            row = list(row)
            for pos, (functions, expression) in converters:
                value = row[pos]
                for function in functions:
                    value = function(value, expression, connection)
                row[pos] = value
        instance = model.from_db(using, names, [row[pos] for pos in positions])
        for column, pos in extras:
            setattr(instance, column, row[pos])
        out.append(instance)
    return out


def fetch_first(model, sql: str, params, *, using: str = "default"):
    """The first row of `sql` as an instance of `model`, or None."""
    rows = fetch(model, sql, params, using=using)
    return rows[0] if rows else None
