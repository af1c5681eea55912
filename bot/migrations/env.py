"""Alembic environment: runs from the installed package (script_location = bot:migrations)."""

from alembic import context
from sqlalchemy import text

import bot.models  # noqa: F401  (registers every table)
from bot.db import Base, Money, UTCDateTime, create_db_engine

config = context.config
target_metadata = Base.metadata

# Replicas may all run `amends db upgrade` at start; one waits for the other on PostgreSQL.
_MIGRATION_LOCK_ID = 0x414D454E  # "AMEN"


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Autogenerate writes our column types as plain SQLAlchemy types: a migration must never import app
    code, which may change after the migration was written."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Money):
        return "sa.BigInteger()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_db_engine(config.get_main_option("sqlalchemy.url"), busy_timeout=30)
    try:
        with engine.connect() as connection:
            is_postgres = connection.dialect.name == "postgresql"
            if is_postgres:
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
                connection.commit()
            try:
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
                    compare_type=True,
                    render_item=render_item,
                )
                with context.begin_transaction():
                    context.run_migrations()
            finally:
                if is_postgres:
                    connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
                    connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
