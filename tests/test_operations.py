"""What an operator and an orchestrator see: /healthz, /readyz and /metrics."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.db import Database, head_revision, upgrade
from bot.health import Health
from bot.sandbox.launch import SANDBOX_SCHEMA, _sandbox_database
from bot.server import HttpServer, operations_app
from bot.settings import load_settings
from tests.conftest import POSTGRES_URL
from tests.support import ASSOCIATE, Harness

UPDATE_TEXT = "Time to update"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = get(url)
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def test_ready_only_while_the_database_answers_at_the_right_schema_and_not_stopping(harness: Harness) -> None:
    assert get(harness.server.url("/healthz")) == (200, "ok")
    assert get(harness.server.url("/readyz")) == (200, "ready")
    harness.amends.health.stopping()  # SIGTERM: load balancers stop sending before the bot stops taking
    assert get(harness.server.url("/readyz")) == (503, "shutting down")
    assert get(harness.server.url("/healthz"))[0] == 200


def test_not_ready_names_what_is_wrong(tmp_path: Path) -> None:
    behind = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    assert Health(behind, slack_verified=True).problems() == [
        f"database schema at nothing, this code needs {head_revision()} (amends db upgrade)"]
    gone = Database("postgresql://nobody@127.0.0.1:1/amends")
    assert Health(gone, slack_verified=False).problems()[0] == "Slack auth.test did not pass at start"
    assert Health(gone, slack_verified=False).problems()[1].startswith("database unreachable: ")
    # A newer replica migrated past this code's head in a rolling upgrade: this one still serves.
    upgrade(f"sqlite:///{tmp_path / 'ahead.db'}")
    ahead = Database(f"sqlite:///{tmp_path / 'ahead.db'}")
    with ahead.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    assert Health(ahead, slack_verified=True).problems() == []
    for db in (behind, gone, ahead):
        db.dispose()


def test_socket_mode_serves_health_and_metrics_on_their_own_port(harness: Harness) -> None:
    server = HttpServer(operations_app(harness.amends.health), host="127.0.0.1", port=0, threads=2).start_in_thread()
    try:
        assert get(server.url("/readyz")) == (200, "ready")
        assert get(server.url("/slack/events"))[0] == 404  # nothing of Slack's is served there
        assert ("amends_work_queue_depth", ()) in samples(server.url("/metrics"))
    finally:
        server.stop()


def test_metrics_count_the_traffic(harness: Harness) -> None:
    url = harness.server.url("/metrics")
    before = samples(url)
    harness.fake.rate_limit_next("chat.postMessage", retry_after=0)  # waited out and retried by the client
    harness.open_case()
    harness.fake.fail_next("views.open", "expired_trigger_id", status=200)
    harness.command()
    harness.fake.wait_for(lambda: harness.fake.calls("views.open")[-1].error == "expired_trigger_id")
    harness.settle()
    harness.tick(advance=timedelta(hours=5))  # the case's first status-update reminder falls due and goes out
    harness.fake.wait_for(lambda: harness.dms_containing(ASSOCIATE, UPDATE_TEXT))
    with harness.amends.db.engine.connect() as conn:
        try:
            conn.execute(text("SELECT * FROM no_such_table"))
        except Exception:  # noqa: BLE001 - the error is what is counted
            pass
    after = samples(url)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("amends_slack_ack_seconds_count") >= 3  # command, submission, command
    assert grew("amends_command_to_modal_seconds_count") == 1  # the modal that opened; not the expired one
    assert grew("amends_slack_api_calls_total", method="views.open", outcome="ok") == 1
    assert grew("amends_slack_api_calls_total", method="views.open", outcome="expired_trigger_id") == 1
    assert grew("amends_slack_api_calls_total", method="chat.postMessage", outcome="429") == 1
    assert grew("amends_reminders_total", outcome="claimed") >= 1
    assert grew("amends_reminders_total", outcome="sent") >= 1
    assert grew("amends_reminder_lateness_seconds_count") >= 1
    database_errors = sum(after[key] - before.get(key, 0.0) for key in after if key[0] == "amends_database_errors_total")
    assert database_errors == 1  # OperationalError on SQLite, ProgrammingError on PostgreSQL
    assert after[("amends_work_queue_depth", ())] == 0  # everything acknowledged was done
    assert ("amends_reminders_due", ()) in after


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="AMENDS_TEST_POSTGRES_URL is not set")
def test_the_sandbox_on_postgresql_keeps_to_a_schema_of_its_own(tmp_path: Path) -> None:
    # compose.yaml without Slack tokens: the sandbox on the deployment's PostgreSQL, never in its tables.
    assert POSTGRES_URL
    settings = load_settings({"AMENDS_DATABASE_URL": POSTGRES_URL})
    url, described = _sandbox_database(settings, tmp_path)
    upgrade(url)
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT current_schema()")).scalar() == SANDBOX_SCHEMA
        _sandbox_database(settings, tmp_path)  # the next start empties it
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                                     ":schema"), {"schema": SANDBOX_SCHEMA}).scalar() == 0
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SANDBOX_SCHEMA}" CASCADE'))
        db.dispose()
    assert described == f"schema {SANDBOX_SCHEMA} of AMENDS_DATABASE_URL"
    assert _sandbox_database(load_settings({}), tmp_path)[0].startswith("sqlite:///")  # not given: SQLite
