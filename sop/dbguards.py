"""Database triggers that make a table append-only or its rows immutable.

Used by migrations (history events, approved plan versions) on SQLite and PostgreSQL, so
the rule holds for every writer, not only for the ORM.
"""
from __future__ import annotations


def _name(table: str, op: str) -> str:
    return f"{table}_no_{op.lower()}"


def create_sql(vendor: str, table: str, ops: tuple[str, ...] = ("UPDATE", "DELETE"), message: str = "") -> list[str]:
    message = (message or f"{table} is append-only").replace("'", "''")
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {_name(table, op)} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            for op in ops
        ]
    if vendor == "postgresql":
        fn = f"{table}_refuse_change"
        statements = [
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql;"
        ]
        for op in ops:
            statements.append(f"DROP TRIGGER IF EXISTS {_name(table, op)} ON {table};")
            statements.append(
                f"CREATE TRIGGER {_name(table, op)} BEFORE {op} ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}();"
            )
        return statements
    return []


def drop_sql(vendor: str, table: str, ops: tuple[str, ...] = ("UPDATE", "DELETE")) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {_name(table, op)};" for op in ops]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_name(table, op)} ON {table};" for op in ops]
    return []


#: Every guarded table with its operations: the test suite's flush on SQLite needs them all.
GUARDED: dict[str, tuple[str, ...]] = {}


def register(table: str, ops: tuple[str, ...] = ("UPDATE", "DELETE")) -> None:
    GUARDED[table] = ops


def migration_operations(table: str, ops: tuple[str, ...] = ("UPDATE", "DELETE"), message: str = ""):
    """A RunPython pair for a migration that installs (and on reverse removes) the triggers."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        for sql in create_sql(schema_editor.connection.vendor, table, ops, message):
            schema_editor.execute(sql)

    def backwards(apps, schema_editor):
        for sql in drop_sql(schema_editor.connection.vendor, table, ops):
            schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)


register("cycles_event")
