"""Alembic environment: runs from the installed package (script_location = bot:migrations)."""

from alembic import context
from sqlalchemy import text

import bot.models  # noqa: F401  (registers every table)
from bot.db import Base, create_db_engine

config = context.config
target_metadata = Base.metadata

# Replicas may all run `amends db upgrade` at start; one waits for the other on PostgreSQL.
_MIGRATION_LOCK_ID = 0x414D454E  # "AMEN"


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
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
