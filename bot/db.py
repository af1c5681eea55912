"""Database engine, sessions, column types and migrations.

One `Database` per process. Each Slack interaction runs in one `transaction()`: everything it writes is
committed together or not at all; one that only reads (a search) may use `reading()` instead. Times are
stored as UTC and always come back timezone-aware; money is stored as integer minor units and always comes
back as Decimal, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import heapq
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, DateTime, MetaData, bindparam, create_engine, event, func
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from bot.errors import StorageUnavailable

log = logging.getLogger(__name__)

# Stable constraint names so Alembic migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored in UTC. Naive datetimes are refused: their zone is a guess."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """A Decimal amount with two places, stored as integer minor units so no float ever touches it."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
        return int((value.quantize(CENT, rounding=ROUND_HALF_UP) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(CENT)


def array_param(name: str | None, item_type: Any, values: Iterable[Any] | None = None) -> Any:
    """A PostgreSQL array as one parameter: SQLAlchemy renders an IN list's parameters one by one on every
    run (measured: 0.2 ms of the bot's CPU for 50 ids). Named and without values, they are given when the
    statement runs (see one_of)."""
    return bindparam(name, None if values is None else list(values), type_=ARRAY(item_type))


def one_of(column: Any, values: Iterable[Any] | None, dialect: Session | str, *,
           name: str | None = None) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL as `= ANY` of one array parameter (array_param). With `name` and no
    values, they are given when the statement runs (`execute(statement, {name: [...]})`), so a statement
    built once serves every call: building one and working out its cache key was a fifth of a search's time
    in Python."""
    if not isinstance(dialect, str):
        dialect = dialect.get_bind().dialect.name
    if dialect == "postgresql":
        return column == func.any(array_param(name, column.type, values))
    return column.in_(bindparam(name, None if values is None else list(values), expanding=True))


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (SQLAlchemy would otherwise pick psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Read through the OS page cache without a copy per page: a search reads pages all over a large index.
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.close()


def _create_private(path: str | None) -> None:
    """Create a SQLite database file readable by its owner only (0600; SQLite would make it 0644, and its
    -wal and -shm files take the database file's mode). An existing file keeps the mode it has."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError:  # it exists (and keeps its mode), or its folder does not (SQLite's error will say)
        pass


# Notice a server that went away without closing the connection (a crashed host, a dropped route): data
# unacknowledged for 3 s, or 5 s of silence then 3 probes 1 s apart, fail the connection. A connection
# frozen behind a proxy that still acknowledges is cut by the transaction's own deadline (_Watch).
DEAD_PEER = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 1, "keepalives_count": 3,
             "tcp_user_timeout": 3000}


def create_db_engine(url: str, *, busy_timeout: float = 2.0, statement_timeout: float | None = None,
                     pool_size: int = 10) -> Engine:
    """An engine tuned to fail fast: a Slack interaction has 3 seconds, so waiting longer helps no one."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_private(parsed.database)
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout, "check_same_thread": False}, pool_pre_ping=False
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Fail fast on a held lock, as SQLite's busy timeout does: a person is waiting on the other end.
    # Always plan a statement for its values: psycopg prepares a statement run five times on a connection,
    # and PostgreSQL then settles on a generic plan, blind to them - for a full-text search, blind to how
    # rare its words are (measured at 1M entries: the 90th percentile of a search's index reads went from
    # 6 ms to 59 ms). Options already in the URL (e.g. a search_path) are kept.
    options = " ".join(filter(None, [parsed.query.get("options"), f"-c lock_timeout={int(busy_timeout * 1000)}",
                                     f"-c statement_timeout={int(statement_timeout * 1000)}" if statement_timeout
                                     else None, "-c plan_cache_mode=force_custom_plan"]))
    engine = create_engine(
        parsed.difference_update_query(["options"]),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=busy_timeout,  # waiting for a free connection counts against the person's 3 seconds too
        connect_args={"connect_timeout": max(1, int(busy_timeout)), "options": options, **DEAD_PEER},
    )
    event.listen(engine, "connect", _read_ahead)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


READ_AHEAD = 32  # pages PostgreSQL may ask for at once (see _read_ahead)


def _read_ahead(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """Have PostgreSQL ask for up to 32 pages at once where a statement reads rows scattered over a table
    (a search's matches): each is a wait when its page is not in memory. Measured at 1M entries after the
    page cache was dropped: p95 of a search 25.5-28.4 ms one page at a time, 17-19 ms with 8 to 256; no
    change with every page in memory. Set after connecting, not as a connection option: a server on a
    platform without posix_fadvise (macOS) refuses any value but 0, and then it stays 0."""
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET effective_io_concurrency = {int(READ_AHEAD)}")
        dbapi_connection.commit()
    except Exception:  # the driver's error for the refused value: the connection works as it was
        dbapi_connection.rollback()


# A connection that sat in the pool this long is checked before use (a restarted server or a dropped idle
# connection would otherwise fail the request that takes it). One in steady use is not: pool_pre_ping
# checks every checkout, a round trip of half a millisecond here - a tenth of a search's.
PING_AFTER_IDLE = 10.0  # seconds


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    # A connection just opened (its record's info is cleared whenever it is replaced) needs no check.
    checked_in = record.info.get("checked_in")
    if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not dbapi_connection.autocommit:
            dbapi_connection.rollback()
    except Exception as exc:
        # The pool then discards this connection and takes another (SQLAlchemy's documented retry).
        raise sa_exc.DisconnectionError(str(exc)) from exc


# A statement running longer than this on PostgreSQL is stopped by the server, whoever waits for it (an
# interaction's own bound is tighter: see deadline()). Generous: a bulk load or a report may take seconds.
STATEMENT_TIMEOUT = 30.0  # seconds
# Each transaction of periodic work (bot/scheduling.py) gives up a connection that stopped answering after this.
PERIODIC_LIMIT = 30.0  # seconds

_bounds: ContextVar[tuple[float | None, float | None]] = ContextVar("amends_db_bounds", default=(None, None))


@contextmanager
def deadline(at: float | None = None, *, each: float | None = None) -> Iterator[None]:
    """Database work in this block, on this thread, ends by `at` (time.monotonic()) and each transaction
    within `each` seconds: past it the connection is cut and the transaction raises StorageUnavailable, even
    when the server or the network stopped answering without closing anything. (A COMMIT held up in the
    network and delivered after that is refused by the server: see bot/replays.py.)"""
    token = _bounds.set((at, each))
    try:
        yield
    finally:
        _bounds.reset(token)


def _deadline_now(now: float) -> float | None:
    at, each = _bounds.get()
    limits = [limit for limit in (at, now + each if each else None) if limit is not None]
    return min(limits) if limits else None


def _wall_clock(at: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=at - time.monotonic())


class _Watch:
    """Cuts the connections a transaction holds when its deadline passes (once checked in, never)."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.fired = False
        self._past = False
        self._lock = threading.Lock()
        self._records: list[ConnectionPoolEntry] = []
        _WATCHDOG.add(self)

    def hold(self, record: ConnectionPoolEntry) -> None:
        with self._lock:
            if self._past:  # taken after the deadline: the statement about to run is already too late
                self.fired = True
                _cut(record.dbapi_connection)
                return
            if record not in self._records:
                self._records.append(record)
        record.info["watch"] = self

    def release(self, record: ConnectionPoolEntry) -> None:
        with self._lock:
            if record in self._records:
                self._records.remove(record)

    def finish(self) -> None:
        with self._lock:
            self._records.clear()

    def fire(self) -> None:
        with self._lock:
            self._past = True
            self.fired = bool(self._records)
            for record in self._records:
                _cut(record.dbapi_connection)
            self._records.clear()


class _Watchdog:
    """One thread for every watch (a thread per transaction cost ~0.1 ms): fires each at its time."""

    def __init__(self) -> None:
        self._due = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._thread: threading.Thread | None = None

    def add(self, watch: _Watch) -> None:
        with self._due:
            heapq.heappush(self._heap, (watch.at, id(watch), watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="amends-db-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is watch:
                self._due.notify()

    def _run(self) -> None:
        with self._due:
            while True:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappop(self._heap)[2].fire()
                self._due.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()
_watch: ContextVar[_Watch | None] = ContextVar("amends_db_watch", default=None)


def _cut(dbapi_connection: Any) -> None:
    """Shut the connection's socket: a call blocked reading it returns with an error at once."""
    try:
        fd = dbapi_connection.pgconn.socket
        sock = socket.socket(fileno=os.dup(fd))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()
    except Exception:  # noqa: BLE001 - already closed: nothing left to cut
        log.debug("could not cut a database connection", exc_info=True)


def _watch_checkout(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any = None) -> None:
    watch = _watch.get()
    if watch is not None:
        watch.hold(record)


def _watch_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    watch = record.info.pop("watch", None)
    if watch is not None:
        watch.release(record)


def _wrote(session: Session, _flush_context: Any) -> None:
    session.info["wrote"] = True


def _wrote_with_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def wrote(session: Session) -> bool:
    """Whether this transaction changed anything so far (flushed objects, or an INSERT/UPDATE/DELETE)."""
    session.flush()
    return bool(session.info.get("wrote"))


def _where(thread_id: int | None) -> str:
    """Which thread holds the writer and the innermost of its own frames, for the log line of a wait that
    gave up (a transaction holding SQLite's one writer for seconds is a bug to find)."""
    thread = next((t for t in threading.enumerate() if t.ident == thread_id), None)
    frame = sys._current_frames().get(thread_id) if thread_id is not None else None
    frames = []
    while frame is not None and len(frames) < 4:
        if "/bot/" in frame.f_code.co_filename:
            frames.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return f"held by {thread.name if thread else 'a finished thread'} at {' < '.join(frames) or 'unknown'}"


class Database:
    def __init__(self, url: str, *, busy_timeout: float = 2.0) -> None:
        self.url = normalize_url(url)
        self.busy_timeout = busy_timeout
        self.engine = create_db_engine(self.url, busy_timeout=busy_timeout, statement_timeout=STATEMENT_TIMEOUT)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                                           expire_on_commit=False, autoflush=False)
        event.listen(self.sessions, "after_flush", _wrote)
        event.listen(self.sessions, "do_orm_execute", _wrote_with_statement)
        if self.dialect == "postgresql":
            # The first connect and checkout listeners, so that a new connection's setup and the ping of an
            # idle one are bounded too.
            event.listen(self.engine, "connect", _watch_checkout, insert=True)
            event.listen(self.engine, "checkout", _watch_checkout, insert=True)
            event.listen(self.engine, "checkin", _watch_checkin)
        # SQLite allows one writer; threads that lose the race sleep in its busy handler with a growing
        # back-off (1, 2, 5, 10 ... 100 ms). Measured with bench/reminders.py: 8 sender threads spent 113 ms a
        # transaction waiting that way. An in-process lock wakes the next thread at once. Transactions never
        # call Slack, so each holds it for milliseconds; re-entrant for nested transactions on one thread.
        # It is waited for no longer than the busy timeout, like SQLite's own lock.
        self._serial = threading.RLock() if self.dialect == "sqlite" else None
        self.turn_timeout = busy_timeout
        self._holder: int | None = None  # the thread in a transaction, named when another waits too long

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _turn(self) -> Iterator[None]:
        if self._serial is None:
            yield
            return
        if not self._serial.acquire(timeout=self.turn_timeout):
            log.warning("database unavailable: another transaction held it for %.1f s (%s)", self.turn_timeout,
                        _where(self._holder))
            raise StorageUnavailable("waited too long for another transaction")
        outer, self._holder = self._holder, threading.get_ident()
        try:
            yield
        finally:
            self._holder = outer
            self._serial.release()

    @contextmanager
    def _watched(self, session: Session) -> Iterator[Session]:
        """`session`, its connections cut at its deadline (PostgreSQL), and the ways a database can be
        unavailable turned into StorageUnavailable."""
        at = _deadline_now(time.monotonic()) if self.dialect == "postgresql" else None
        watch = _Watch(at) if at is not None else None
        token = _watch.set(watch)
        session.info["deadline"] = _wall_clock(watch.at) if watch else None
        try:
            yield session
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as exc:
            if watch is not None and watch.fired:
                log.warning("database unavailable: no answer within the deadline")
                raise StorageUnavailable("no answer within the deadline") from exc
            log.warning("database unavailable: %s", exc)
            raise StorageUnavailable(str(exc)) from exc
        finally:
            _watch.reset(token)
            if watch is not None:
                watch.finish()
            session.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error.

        Losing the connection, a lock timeout, a refused connection or a deadline passed (see deadline())
        become StorageUnavailable, which the Slack layer turns into a clear message; nothing is half-saved
        because nothing was committed.
        """
        with self._turn(), self._watched(self.sessions()) as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (a search): each statement commits on its own, so there is no BEGIN and
        COMMIT round trip - two of a PostgreSQL search's ten - and on SQLite no wait for the writer lock.
        Statements may see different moments, so a reader that needs one must pin it (a search does, by the
        newest entry id it reads first). Errors become StorageUnavailable, as in transaction()."""
        with self._watched(self._read_sessions()) as session:
            yield session
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("a reading() session is for reads; write in a transaction()")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "bot:migrations")
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to date. Safe to run from several replicas at once on PostgreSQL."""
    from alembic import command

    import bot.models  # noqa: F401  (registers every table on Base.metadata)

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def in_schema(url: str, schema: str) -> str:
    """The PostgreSQL URL whose connections use `schema` (their search_path): its tables, nobody else's."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
