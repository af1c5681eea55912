"""The `amends` command. Thin: parse arguments, call the app, print results and clear errors."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml
from sqlalchemy.exc import OperationalError

from bot import __version__, logs
from bot.errors import ConfigError
from bot.settings import Settings, load_config, load_settings

NO_SLACK_HELP = """\
Amends has no Slack credentials yet, so there is no workspace to connect to.

Set these in the environment or in a .env file in this folder:
  SLACK_BOT_TOKEN       the bot token (xoxb-...), from your Slack app's "OAuth & Permissions" page
  SLACK_SIGNING_SECRET  for HTTP mode: "Basic Information" > "App Credentials" > Signing Secret
  SLACK_APP_TOKEN       or, for Socket Mode instead: an app-level token (xapp-...) with connections:write

No Slack app yet? Create one from the manifest Amends generates:
  amends manifest > manifest.yaml                     (Socket Mode)
  amends manifest --url https://your.host/slack/events > manifest.yaml   (HTTP mode)
then at https://api.slack.com/apps choose "Create New App" > "From an app manifest" and paste it.

Missing now: {missing}
"""


def _fail(problems: Sequence[str], heading: str = "configuration problem") -> int:
    print(f"amends: {heading}{'s' if len(problems) > 1 else ''}:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 2


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.runs_sandbox:
        from bot.sandbox.launch import run_sandbox

        why = ("AMENDS_MODE=sandbox, so Amends runs on a local fake Slack workspace instead of a real one."
               if settings.mode == "sandbox" else
               "no Slack tokens are set (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN),\n  so Amends "
               "runs on a local fake Slack workspace instead of a real one.")
        # Loopback unless --host says otherwise (a container publishing its port): anyone who reaches the
        # sandbox can act as anyone.
        return run_sandbox(settings, host=args.host or "127.0.0.1", port=args.port, why=why)
    partial = settings.partial_slack_problem()
    if partial:
        return _fail([partial])
    missing = settings.missing_for_slack()
    if missing:
        print(NO_SLACK_HELP.format(missing=", ".join(missing)), file=sys.stderr)
        return 2
    from bot.app import build
    from bot.checks import run_checks

    config = load_config(settings.config_path)
    problems = [p for result in run_checks(settings, config) for p in result.problems]
    if problems:
        return _fail(problems, "data file problem")
    server, host = None, args.host or "0.0.0.0"
    if not settings.socket_mode:
        from bot.server import HttpServer

        try:  # take the port before anything starts: a busy one is one line, not a traceback after the ticker
            server = HttpServer(None, host=host, port=args.port, threads=args.threads)
        except OSError as exc:
            return _fail([f"--port {args.port}: cannot listen on {host}:{args.port} ({exc.strerror or exc}); "
                          "stop what uses it or pick another port with --port"], "start problem")
    from bot.runner import Listen, serve, stop_on_signals

    stop = stop_on_signals()
    amends = build(settings, config=config, migrate=not args.no_migrate, workers=args.workers)
    serve(amends, Listen(host, args.port, args.threads, args.health_port), stop=stop,
          shutdown_timeout=args.shutdown_timeout, server=server)
    # Everything is closed: exit at once. Work still running past the deadline must not hold the exit, nor
    # must the interpreter's teardown (2-3 s of freeing modules, measured here) slow a rolling upgrade.
    logs.flush()
    sys.stdout.flush()
    os._exit(0)


def cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox.launch import run_sandbox

    return run_sandbox(settings, host=args.host, port=args.port, demo=args.demo, folder=args.dir)


def cmd_manifest(args: argparse.Namespace, _settings: Settings) -> int:
    from bot.app import declarations_only
    from bot.slack.manifest import build_manifest

    manifest = build_manifest(declarations_only().declared, request_url=args.url)
    if args.json:
        print(json.dumps(manifest, indent=2))
    else:
        print(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), end="")
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import current_revision, head_revision, upgrade

    if args.db_command == "upgrade":
        upgrade(settings.database_url)
        print(f"database at revision {current_revision(settings.database_url)}")
    else:
        current, head = current_revision(settings.database_url), head_revision()
        print(f"current: {current or '(empty)'}  head: {head}{'' if current == head else '  (run: amends db upgrade)'}")
    return 0


def cmd_check(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.checks import run_checks

    try:
        config = load_config(settings.config_path)
    except ConfigError as exc:
        return _fail(exc.problems)
    print(f"ok    {settings.config_path}")
    problems: list[str] = []
    for result in run_checks(settings, config):
        print(f"{'ok   ' if not result.problems else 'FAIL '} {result.label}")
        for note in result.notes:
            print(f"      note: {note}")
        problems += result.problems
    missing = settings.missing_for_slack()
    if missing:
        print(f"      note: {', '.join(missing)} not set; `amends run` needs them to reach Slack")
    if problems:
        return _fail(problems)
    print("all checks passed")
    return 0


def _schema_out_of_date(settings: Settings) -> bool:
    from bot.db import current_revision, head_revision

    return current_revision(settings.database_url) != head_revision()


SCHEMA_OUT_OF_DATE = "AMENDS_DATABASE_URL: the database schema is not up to date (run: amends db upgrade)"


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import Database

    if _schema_out_of_date(settings):
        return _fail([SCHEMA_OUT_OF_DATE])
    db = Database(settings.database_url)
    try:
        if args.index_command == "status":
            from bot.knowledge.status import index_status

            with db.transaction() as session:
                for line in index_status(session):
                    print(line)
            return 0
        from bot.slack.knowledge_import import run_import

        return run_import(settings, load_config(settings.config_path), db, args.channel, full=args.full)
    finally:
        db.dispose()


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from bot.db import Database
    from bot.offers.catalog import load_catalog
    from bot.tracking import report
    from bot.tracking.figures import figures

    config = load_config(settings.config_path)
    try:
        zone = config.workspace.zone
        end = report.parse_when(args.until, "--until", zone) if args.until else SystemClock().now()
        start = report.parse_since(args.since, end, zone)
        if start >= end:
            raise ValueError("--since must be before --until")
    except ValueError as exc:
        return _fail([str(exc)], "usage problem")
    if _schema_out_of_date(settings):
        return _fail([SCHEMA_OUT_OF_DATE])
    db = Database(settings.database_url)
    try:
        with db.transaction() as session:
            found = figures(session, start=start, end=end, currency=config.workspace.currency,
                            best=config.tracking.best_lessons, catalog=load_catalog(config.playbooks))
    finally:
        db.dispose()
    sys.stdout.write(report.render(found, args.format, config.workspace.zone))
    return 0


def cmd_privacy(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from bot.clock import SystemClock
    from bot.db import Database
    from bot.privacy import jobs

    config = load_config(settings.config_path)
    if args.privacy_command == "retention" and config.privacy.retain_customer_data_for is None:
        return _fail([f"{settings.config_path}: privacy.retain_customer_data_for is not set, so nothing is "
                      "erased on schedule (e.g. retain_customer_data_for: 365d)"])
    if _schema_out_of_date(settings):
        return _fail([SCHEMA_OUT_OF_DATE])
    db, now = Database(settings.database_url), SystemClock().now()
    try:
        if args.privacy_command == "export":
            exported = jobs.export_customer(db, args.customer, now=now)
            text = json.dumps(exported, indent=2, ensure_ascii=False) + "\n"
            if args.out:
                Path(args.out).write_text(text, encoding="utf-8")
                Path(args.out).chmod(0o600)  # it is the customer's personal data
                print(f"{len(exported['cases'])} cases written to {args.out}")
            else:
                sys.stdout.write(text)
            return 0
        if args.privacy_command == "erase":
            done = jobs.erase_customer(db, args.customer, now=now, actor=getpass.getuser())
            for erasure in done:
                tables = ", ".join(f"{table} {n}" for table, n in sorted(erasure.records.items()))
                print(f"erased {erasure.ref}: {erasure.total} records ({tables})")
            print(f"{len(done)} cases erased" if done else "no case has that customer name or contact")
            return 0
        retain_for = config.privacy.retain_customer_data_for
        assert retain_for is not None
        if args.dry_run:
            due = jobs.cases_past_retention(db, now=now, retain_for=retain_for)
            for ref, resolved_at in due:
                print(f"would erase {ref} (resolved {resolved_at:%Y-%m-%d})")
            print(f"{len(due)} cases past the retention period")
            return 0
        print(f"{jobs.retention_sweep(db, config.privacy, now)} cases erased")
        return 0
    finally:
        db.dispose()


def cmd_api_key(args: argparse.Namespace, settings: Settings) -> int:
    from bot.api import keys
    from bot.clock import SystemClock
    from bot.db import Database
    from bot.errors import InvalidInput, NotFound

    if _schema_out_of_date(settings):
        return _fail([SCHEMA_OUT_OF_DATE])
    db = Database(settings.database_url)
    secret = settings.api_secret.get_secret_value() if settings.api_secret else None
    try:
        with db.transaction() as session:
            if args.key_command == "create":
                created = keys.create(session, args.name, now=SystemClock().now(), server_secret=secret)
            elif args.key_command == "revoke":
                revoked = keys.revoke(session, args.name, now=SystemClock().now())
            else:
                for row in keys.listing(session):
                    state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
                    print(f"{row.source:<20} {row.key_id}  created {row.created_at:%Y-%m-%d}  {state}")
                return 0
    except (InvalidInput, NotFound) as exc:
        return _fail([exc.user_message], "usage problem")
    finally:
        db.dispose()
    if args.key_command == "revoke":
        print(f"revoked: {', '.join(revoked)}")
        return 0
    print(f"API key for {created.source} (shown once; only its hash is stored):\n  {created.key}")
    if created.signing_secret:
        print(f"Signing secret for webhook-style requests (X-Amends-Key-Id: {created.key_id}):\n"
              f"  {created.signing_secret}")
    else:
        print("(set AMENDS_API_SECRET before creating keys to also get a signing secret for signed requests)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amends", description="Amends: recover broken promises to customers, in Slack.")
    parser.add_argument("--version", action="version", version=f"amends {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP; "
                                     "with no Slack tokens at all, or AMENDS_MODE=sandbox, the sandbox)")
    run.add_argument("--host", help="address to listen on (default: 0.0.0.0 in HTTP mode, 127.0.0.1 for the "
                                    "sandbox)")
    run.add_argument("--port", type=int, default=3000, help="HTTP mode: port (default 3000); path /slack/events")
    run.add_argument("--threads", type=int, default=8, help="HTTP mode: server threads (default 8)")
    run.add_argument("--workers", type=int, default=8,
                     help="threads for work after Slack is answered: posting, opening modals (default 8)")
    run.add_argument("--no-migrate", action="store_true", help="don't upgrade the database schema at start")
    run.add_argument("--health-port", type=int, default=None,
                     help="Socket Mode: serve /healthz, /readyz and /metrics on this port (HTTP mode serves them "
                          "on --port)")
    run.add_argument("--shutdown-timeout", type=float, default=20.0,
                     help="on SIGTERM/SIGINT, seconds to finish acknowledged work before exiting (default 20)")
    run.set_defaults(handler=cmd_run)

    sandbox = sub.add_parser("sandbox", help="try Amends without Slack: a local workspace in your browser "
                                                "running the real bot")
    sandbox.add_argument("--port", type=int, default=3000, help="port of the page (default 3000; 0 picks one)")
    sandbox.add_argument("--host", default="127.0.0.1",
                         help="address of the page (default 127.0.0.1; anyone who reaches it can act as anyone)")
    sandbox.add_argument("--demo", action="store_true", help="start with a few cases and best practices")
    sandbox.add_argument("--dir", type=Path, default=Path("amends-sandbox"),
                         help="working folder for its amends.yaml and database (default ./amends-sandbox)")
    sandbox.set_defaults(handler=cmd_sandbox)

    manifest = sub.add_parser("manifest", help="print the Slack app manifest for what this code handles")
    manifest.add_argument("--url", help="HTTP mode request URL, e.g. https://amends.example.com/slack/events; "
                                        "omit for Socket Mode")
    manifest.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    manifest.set_defaults(handler=cmd_manifest)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("db_command", choices=["upgrade", "current"])
    db.set_defaults(handler=cmd_db)

    index = sub.add_parser("index", help="the best-practices index behind /recover search")
    index_sub = index.add_subparsers(dest="index_command", required=True, metavar="INDEX_COMMAND")
    status = index_sub.add_parser("status", help="what the index holds and how typo correction runs")
    status.set_defaults(handler=cmd_index)
    importer = index_sub.add_parser("import", help="index a channel's history (resumes where it stopped)")
    importer.add_argument("channel", help="channel ID (C0123ABCD) or #name; invite the bot to it first")
    importer.add_argument("--full", action="store_true", help="read the whole history again, not only what is new")
    importer.set_defaults(handler=cmd_index)

    report = sub.add_parser("report", help="causes, contact times, outcomes, costs, satisfaction, action items "
                                           "and lessons of a period, and every case in it")
    report.add_argument("--since", default="30d", help="how far back: 30d, 4w, 12h, or a date like 2026-11-01 "
                                                      "(default 30d); dates and times are in workspace.timezone")
    report.add_argument("--until", help="end of the period: a date or time like 2026-12-01 or 2026-12-01T09:00 "
                                        "(default now)")
    report.add_argument("--format", choices=["table", "csv", "json"], default="table",
                        help="table (for a terminal; the default), csv (one row per case) or json (everything)")
    report.set_defaults(handler=cmd_report)

    privacy = sub.add_parser("privacy", help="customers' personal data: export, erase, retention")
    privacy_sub = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    export = privacy_sub.add_parser("export", help="every record about a customer, as JSON")
    export.add_argument("--customer", required=True, help="the customer's name or contact, as on the case")
    export.add_argument("--out", help="write to this file (mode 0600) instead of standard output")
    erase = privacy_sub.add_parser("erase", help="erase a customer's personal data now, keeping the figures")
    erase.add_argument("--customer", required=True, help="the customer's name or contact, as on the case")
    retention = privacy_sub.add_parser("retention", help="erase what is past privacy.retain_customer_data_for")
    retention.add_argument("--dry-run", action="store_true", help="list what would be erased, change nothing")
    for action in (export, erase, retention):
        action.set_defaults(handler=cmd_privacy)

    api_key = sub.add_parser("api-key", help="keys of the order systems that call the HTTP API")
    key_sub = api_key.add_subparsers(dest="key_command", required=True, metavar="KEY_COMMAND")
    create = key_sub.add_parser("create", help="a new key for a source (e.g. warehouse); printed once")
    create.add_argument("name", help="the source: lowercase letters, digits, - or _ (e.g. warehouse)")
    revoke = key_sub.add_parser("revoke", help="revoke a key (by key id) or every key of a source (by name)")
    revoke.add_argument("name", help="a key id or a source name")
    key_sub.add_parser("list", help="every key: source, key id, created, live or revoked")
    api_key.set_defaults(handler=cmd_api_key)

    check = sub.add_parser("check", help="validate amends.yaml and the other data files")
    check.set_defaults(handler=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(exc.problems)
    for secret in settings.secret_values():
        logs.add_secret(secret)
    logs.configure(settings.log_level, fmt=settings.log_format)
    try:
        return int(args.handler(args, settings))
    except ConfigError as exc:
        return _fail(exc.problems)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return _fail([f"AMENDS_DATABASE_URL: cannot use the database ({reason})"])
    except KeyboardInterrupt:
        return 130
