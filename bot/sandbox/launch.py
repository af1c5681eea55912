"""`amends sandbox`, and `amends run` with no Slack tokens: start the sandbox and say what it is.

The sandbox keeps its files in a working folder (default ./amends-sandbox): a generated amends.yaml,
unless AMENDS_CONFIG names the team's own, and a SQLite database that starts anew at every start (the
fake workspace lives in memory, so cases from an earlier run would point at messages that no longer
exist). A sandbox must not write practice cases into a real database: given a PostgreSQL
AMENDS_DATABASE_URL (as in compose.yaml), it uses a schema of its own there, `amends_sandbox`, emptied at
every start, and never the bot's tables; any other AMENDS_DATABASE_URL it ignores.
A lock file in the folder, held while the sandbox runs, keeps a second sandbox started there
from deleting the database the first one has open.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import TextIO

from filelock import FileLock, Timeout
from sqlalchemy.exc import OperationalError

from bot.errors import ConfigError
from bot.settings import Settings, load_config

DEFAULT_FOLDER = Path("amends-sandbox")

BANNER = """\
Amends sandbox: {why}
  Open {url} in your browser: a small Slack workspace with #cases, #best-practices and #support,
  where you act as an associate, a manager or an approver. The bot is the real Amends; every click
  reaches it as a signed Slack request.
  Configuration: {config}
  Database: {database} ({fresh})
  Order-system API: {api_url}/api/v1/ with key {api_key}
    (`source {api_env}` sets AMENDS_API_URL and AMENDS_API_KEY; see README "Connecting your order system")
{demo}  To connect a real Slack workspace instead, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET
  (or SLACK_APP_TOKEN); `amends manifest` creates the Slack app. Press Ctrl+C to stop.
"""


SANDBOX_SCHEMA = "amends_sandbox"


def _sandbox_database(settings: Settings, folder: Path) -> tuple[str, str]:
    """(URL, what to call it): an emptied schema of a PostgreSQL database given, else a new SQLite file."""
    if "database_url" in settings.model_fields_set and settings.database_url.startswith("postgresql"):
        from sqlalchemy import text

        from bot.db import create_db_engine, in_schema

        engine = create_db_engine(settings.database_url)
        try:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{SANDBOX_SCHEMA}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{SANDBOX_SCHEMA}"'))
        finally:
            engine.dispose()
        return in_schema(settings.database_url, SANDBOX_SCHEMA), f"schema {SANDBOX_SCHEMA} of AMENDS_DATABASE_URL"
    database = folder / "amends.db"
    database.unlink(missing_ok=True)
    return f"sqlite:///{database}", str(database)


def run_sandbox(settings: Settings, *, host: str = "127.0.0.1", port: int = 3000, demo: bool = False,
                folder: Path = DEFAULT_FOLDER, why: str = "a local Slack workspace in your browser.",
                out: TextIO = sys.stderr, stop: threading.Event | None = None) -> int:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # its database holds what people typed
    # Held until this sandbox stops (the OS lets go of it if the process dies), so another one started
    # in the same folder stops before it touches the files this one has open.
    lock = FileLock(folder / "sandbox.lock", blocking=False)
    try:
        lock.acquire()
    except Timeout:
        raise ConfigError([f"another Amends sandbox is running in {folder} and uses its database: "
                           "stop it first (Ctrl+C where it runs), or give this one its own folder with "
                           "--dir"]) from None
    try:
        return _run_locked(settings, host=host, port=port, demo=demo, folder=folder, why=why, out=out, stop=stop)
    finally:
        lock.release()


def _run_locked(settings: Settings, *, host: str, port: int, demo: bool, folder: Path, why: str, out: TextIO,
                stop: threading.Event | None) -> int:
    from bot.checks import run_checks
    from bot.sandbox.runtime import Sandbox
    from bot.sandbox.workspace import sandbox_yaml

    if "config_path" in settings.model_fields_set:
        config_path = settings.config_path
        if not config_path.exists():
            raise ConfigError([f"AMENDS_CONFIG: {config_path} does not exist"])
        config_note = f"{config_path} (from AMENDS_CONFIG)"
    else:
        config_path = folder / "amends.yaml"
        config_path.write_text(sandbox_yaml())
        config_note = f"{config_path} (generated; copy it and set AMENDS_CONFIG to try your own)"
    config = load_config(config_path)
    problems = [p for result in run_checks(settings, config) for p in result.problems]
    if problems:
        raise ConfigError(problems)

    database_url, database = _sandbox_database(settings, folder)
    sandbox = Sandbox(config, database_url=database_url, host=host, port=port, log_level=settings.log_level)
    try:
        sandbox.start()
    except OperationalError as exc:  # about the sandbox's own file, never AMENDS_DATABASE_URL
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError([f"{database}: the sandbox cannot use its database ({reason})"]) from None
    except OSError as exc:
        raise ConfigError([f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                           "pick another port with --port"]) from None
    stop = stop or threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        demo_note = ""
        if demo:
            from bot.sandbox.demo import seed_demo

            print("Seeding demo cases and best practices through the bot…", file=out, flush=True)
            summary = seed_demo(sandbox)
            demo_note = f"  Demo: {summary}\n"
        fresh = "starts with the demo cases each time" if demo else "starts empty each time"
        api_env = folder / "api.env"
        api_env.write_text(f"export AMENDS_API_URL={sandbox.api_url}\nexport AMENDS_API_KEY={sandbox.api_key.key}\n")
        print(BANNER.format(why=why, url=sandbox.url, config=config_note, database=database, fresh=fresh,
                            demo=demo_note, api_url=sandbox.api_url, api_key=sandbox.api_key.key, api_env=api_env),
              file=out, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
    return 0
