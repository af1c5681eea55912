"""The order systems' API under load: 1,000 promise-at-risk events, 20 in flight, to a real `amends run`
(HTTP mode, against the fake Slack), next to its bare /healthz.

    python bench/api.py [--events 1000] [--in-flight 20] [--postgres URL]

Prints, for each event, the time to its 201 and to the case message in the cases channel (the fake's
timestamp of the chat.postMessage), as p50/p99; and the same server's /healthz under the same load, the
floor of HTTP alone. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import cpu_seconds, free_port, percentile, split_cpus, start, wait_http  # noqa: E402
from bench.reminders import reset_postgres  # noqa: E402
from bot.api import keys  # noqa: E402
from bot.api.client import ApiClient  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
OWNER, MANAGER, CHANNEL = "U0BENCHOWN", "U0BENCHMGR", "C0BENCH01"


def event(i: int, due: datetime) -> dict[str, object]:
    return {"external_id": f"bench-{i}", "cause": "stock-out", "owner": "owner@bench.example",
            "customer": {"name": f"Customer {i}", "contact": "+44 20 7946 0000"},
            "order": {"reference": f"SO-{i}", "value": "1250.00"},
            "promise": {"what": "12 office chairs delivered to the Leeds site", "due": due.isoformat()}}


def timed(calls: int, in_flight: int, call: object) -> list[float]:
    """Run `call(i)` `calls` times, `in_flight` at once; each returns its own latency in seconds."""
    with ThreadPoolExecutor(in_flight) as pool:
        return list(pool.map(call, range(calls)))  # type: ignore[arg-type]


def line(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"{label:<42} p50 {percentile(ms, 50):8.1f} ms   p99 {percentile(ms, 99):8.1f} ms   (n={len(ms)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--postgres", help="PostgreSQL URL; default: a SQLite file")
    args = parser.parse_args()

    cpus = split_cpus()
    workdir = Path(tempfile.mkdtemp(prefix="amends-bench-api-"))
    fake = FakeSlack().start()
    fake.add_user(OWNER, "owner", "Owen Owner", email="owner@bench.example")
    fake.add_user(MANAGER, "manager", "Mia Manager")
    fake.add_channel(CHANNEL, "cases", members=[OWNER, MANAGER])
    (workdir / "amends.yaml").write_text(f"cases:\n  channel: {CHANNEL}\nmanagers:\n  users: [{MANAGER}]\n")
    db_url = args.postgres or f"sqlite:///{workdir / 'bench.db'}"
    reset_postgres(db_url) if args.postgres else upgrade(db_url)
    db = Database(db_url)
    with db.transaction() as session:
        key = keys.create(session, "bench", now=datetime.now(UTC), server_secret=None)
    db.dispose()

    port = free_port()
    env = {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SECRET, "AMENDS_SLACK_API_URL": fake.api_url,
           "AMENDS_DATABASE_URL": db_url, "AMENDS_CONFIG": str(workdir / "amends.yaml"),
           "AMENDS_LOG_LEVEL": "WARNING"}
    log_file = workdir / "amends.log"
    process = start(["-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)], env, workdir, output=log_file)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/healthz", process=process, timeout=60)
    api = ApiClient(base, key=key.key, timeout=60)
    due = datetime.now(UTC) + timedelta(days=2)
    sent_at: dict[str, float] = {}  # case ref -> when its event was sent (wall clock, as the fake's ts)
    statuses: dict[int, int] = {}

    def health(_: int) -> float:
        began = time.perf_counter()
        assert api.get("/healthz").status == 200
        return time.perf_counter() - began

    def post(i: int) -> float:
        began_wall, began = time.time(), time.perf_counter()
        answer = api.post("/api/v1/promises-at-risk", event(i, due))
        took = time.perf_counter() - began
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
        if answer.status == 201:
            sent_at[answer.body["ref"]] = began_wall
        return took

    try:
        timed(200, args.in_flight, health)  # warm-up
        floor_before = timed(args.events, args.in_flight, health)
        cpu_before = cpu_seconds(process.pid)
        to_201 = timed(args.events, args.in_flight, post)
        deadline = time.monotonic() + 300

        def posted() -> dict[str, float]:
            return {m.text.split(":", 1)[0]: float(m.ts) for m in fake.messages(CHANNEL)}

        while len(posted().keys() & sent_at.keys()) < len(sent_at) and time.monotonic() < deadline:
            time.sleep(0.2)  # the benchmark waits on another process's progress
        cpu_per_event = (cpu_seconds(process.pid) - cpu_before) / args.events
        floor_after = timed(args.events, args.in_flight, health)
    finally:
        process.terminate()
        process.wait(10)
    shown = posted()
    to_posted = [shown[ref] - sent for ref, sent in sent_at.items() if ref in shown]

    print(f"{args.events} events, {args.in_flight} in flight, {'PostgreSQL' if args.postgres else 'SQLite'}; {cpus}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()) +
          f" on {os.cpu_count()} CPUs: read the figures as this run's, not limits")
    print(line("GET /healthz, same server (before)", floor_before))
    print(line("POST /api/v1/promises-at-risk -> 201", to_201))
    print(line("event sent -> case posted in #cases", to_posted))
    print(line("GET /healthz, same server (after)", floor_after))
    print(f"bot CPU per event, its Slack follow-ups included (post, manager alert, DMs, checklist): "
          f"{cpu_per_event * 1000:.1f} ms")
    print(f"answers: {dict(sorted(statuses.items()))}; cases posted: {len(to_posted)} of {len(sent_at)}")
    log_lines = log_file.read_text(errors="replace").splitlines()
    problems = [line for line in log_lines if " ERROR " in line or "Traceback" in line]
    print(f"bot log ({log_file}): {len(log_lines)} lines, {len(problems)} errors"
          + (f"; first: {problems[0].strip()}" if problems else ""))
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
