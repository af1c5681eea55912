"""Time to ack /recover and time until its modal opens: the real bot (`amends run`, HTTP mode, waitress)
against the fake Slack, next to a bare Bolt app that only acks (the floor), both under waitress with 8
threads. Requests come from a separate load-generator process (bench/loadgen.py), as they come from
Slack's servers in production.

What the person sees is the modal, and Slack's trigger_id dies 3 s after the command: so for every command
the benchmark also measures the time from sending it to its `views.open` reaching the fake Slack, and
counts the modals that opened later than 3 s or never.

    python bench/ack_latency.py [--requests 500] [--concurrency 20] [--rounds 3]

Target: every modal opened within 3 s, p99 command-to-modal under 500 ms, and ack p99 within 1.5x of the
floor's p99 measured in the same run. The servers' own output goes to files (printed at the end).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, cpu_seconds, free_port, percentile, split_cpus, start, summary, wait_http  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
FLOOR, AMENDS = "bare Bolt (ack only)", "amends run"
TRIGGER_LIFE = 3.0  # seconds a trigger_id lives on Slack
MODAL_P99_MS = 500
ACK_RATIO = 1.5
USERS = [f"U0BENCH{i:03d}" for i in range(50)]

BARE_BOLT = textwrap.dedent("""
    import sys
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from waitress import serve
    from slack_sdk import WebClient

    app = App(client=WebClient(token="{token}", base_url="{api}"), signing_secret="{secret}",
              token_verification_enabled=False)

    @app.command("/recover")
    def handle(ack):
        ack()

    handler = SlackRequestHandler(app)

    def wsgi(environ, start_response):
        if environ["PATH_INFO"] == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    serve(wsgi, host="127.0.0.1", port={port}, threads=8, _quiet=True)
""")


def command_bodies(fake: FakeSlack, count: int) -> list[str]:
    """Slash command bodies as Slack sends them, with trigger ids issued by the fake."""
    bodies = []
    for i in range(count):
        user = USERS[i % len(USERS)]
        bodies.append(urllib.parse.urlencode({
            "command": "/recover", "text": "", "user_id": user, "user_name": user.lower(),
            "team_id": fake.team_id, "channel_id": "C0BENCH01", "channel_name": "bench",
            "api_app_id": fake.app_id, "trigger_id": fake.issue_trigger(user),
            "response_url": fake.issue_response_url("C0BENCH01", user),
        }))
    return bodies


@dataclass
class Round:
    acks: list[float]  # ms, answered requests
    failed: int  # requests not answered 200
    cpu_ms: float  # server CPU per request
    modals: list[float] = field(default_factory=list)  # ms from command sent to views.open at the fake
    late: int = 0  # modals that opened after the trigger_id's 3 s
    missing: int = 0  # modals that never opened


def measure(fake: FakeSlack, url: str, workdir: Path, requests: int, concurrency: int
            ) -> tuple[list[tuple[float, int, float]], list[str]]:
    """[(ack ms, status, sent)] of the measured commands (warm-up left out) and their trigger ids."""
    bodies = command_bodies(fake, requests + concurrency)
    spec = workdir / "bodies.json"
    spec.write_text(json.dumps({"bodies": bodies, "warmup": concurrency}))
    out = subprocess.run([sys.executable, "-m", "bench.loadgen", url, SECRET, str(spec), str(concurrency)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    triggers = [urllib.parse.parse_qs(body)["trigger_id"][0] for body in bodies[concurrency:]]
    return [tuple(r) for r in json.loads(out.stdout)], triggers


def modal_times(fake: FakeSlack, sent: dict[str, float], wait: float) -> dict[str, float]:
    """Seconds from each command's sending to its modal opening, waiting up to `wait` s for stragglers (a
    modal later than that counts as never opened)."""
    deadline = time.monotonic() + wait
    while True:
        opened = {trigger: at for trigger, at, ok in fake.call_times("views.open", "trigger_id") if ok}
        if all(t in opened for t in sent) or time.monotonic() >= deadline:
            return {t: opened[t] - at for t, at in sent.items() if t in opened}
        time.sleep(0.2)  # the work happens in another process; nothing to wait on here


def run_round(fake: FakeSlack, name: str, process: subprocess.Popen[bytes], url: str, workdir: Path,
              args: argparse.Namespace) -> Round:
    cpu_before = cpu_seconds(process.pid)
    results, triggers = measure(fake, url, workdir, args.requests, args.concurrency)
    cpu_ms = (cpu_seconds(process.pid) - cpu_before) * 1000 / (args.requests + args.concurrency)
    outcome = Round([ms for ms, status, _ in results if status == 200],
                    sum(1 for _, status, _ in results if status != 200), cpu_ms)
    if name == AMENDS:
        sent = {trigger: at for trigger, (_, _, at) in zip(triggers, results, strict=True)}
        opened = modal_times(fake, sent, wait=10)
        outcome.modals = [seconds * 1000 for seconds in opened.values()]
        outcome.late = sum(1 for seconds in opened.values() if seconds > TRIGGER_LIFE)
        outcome.missing = len(sent) - len(opened)
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=8, help="amends run --workers")
    args = parser.parse_args()

    placement = split_cpus()
    # Triggers are issued before the run starts, so the fake must not expire them itself: the benchmark
    # counts a modal as late when it opened more than 3 s after its command was sent.
    fake = FakeSlack(trigger_ttl=3600).start()
    for user in USERS:
        fake.add_user(user, user.lower())
    fake.add_channel("C0BENCH01", "bench", members=USERS)
    workdir = Path(tempfile.mkdtemp(prefix="amends-bench-"))
    (workdir / "amends.yaml").write_text("cases:\n  channel: C0BENCH01\n")
    env = {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SECRET, "AMENDS_SLACK_API_URL": fake.api_url,
           "AMENDS_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "AMENDS_LOG_LEVEL": "WARNING",
           "AMENDS_CONFIG": str(workdir / "amends.yaml")}

    servers = [
        (FLOOR, lambda port: start(["-c", BARE_BOLT.format(token=fake.bot_token, api=fake.api_url, secret=SECRET,
                                                           port=port)], env, workdir, output=workdir / "floor.log")),
        (AMENDS, lambda port: start(["-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port),
                                     "--workers", str(args.workers)], env, ROOT, output=workdir / "amends.log")),
    ]
    results: dict[str, list[Round]] = {name: [] for name, _ in servers}
    # This machine is a shared VM: runs vary. Floor and bot alternate in each round, side by side.
    for _ in range(args.rounds):
        for name, launch in servers:
            port = free_port()
            process = launch(port)
            try:
                wait_http(f"http://127.0.0.1:{port}/healthz", process=process)
                results[name].append(run_round(fake, name, process, f"http://127.0.0.1:{port}/slack/events",
                                               workdir, args))
            finally:
                process.terminate()
                process.wait(10)
    return report(fake, results, args, placement, workdir)


def report(fake: FakeSlack, results: dict[str, list[Round]], args: argparse.Namespace, placement: str,
           workdir: Path) -> int:
    print(f"{args.requests} signed /recover commands, {args.concurrency} in flight, waitress 8 threads, "
          f"amends --workers {args.workers}, {args.rounds} rounds\n{placement}\n")
    print(f"{'round':6} {'server':22} {'ack p50':>8} {'ack p99':>8} {'ack max':>8} {'failed':>7} {'CPU ms/req':>11}"
          f" {'modal p50':>10} {'modal p99':>10} {'late >3s':>9} {'missing':>8}")
    problems: list[str] = []
    for index in range(args.rounds):
        floor = results[FLOOR][index]
        for name in (FLOOR, AMENDS):
            r = results[name][index]
            acks = summary(r.acks) if r.acks else {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
            modal = (f"{percentile(r.modals, 50):10.1f} {percentile(r.modals, 99):10.1f}" if r.modals
                     else f"{'-':>10} {'-':>10}")
            late = f"{r.late:9d} {r.missing:8d}" if name == AMENDS else f"{'-':>9} {'-':>8}"
            print(f"{index + 1:<6} {name:22} {acks['p50']:8.1f} {acks['p99']:8.1f} {acks['max']:8.1f} {r.failed:7d}"
                  f" {r.cpu_ms:11.2f} {modal} {late}")
            if r.failed:
                problems.append(f"round {index + 1}: {name} failed {r.failed} requests")
        bot = results[AMENDS][index]
        if bot.late or bot.missing:
            problems.append(f"round {index + 1}: {bot.late} modals later than 3 s, {bot.missing} never opened")
        if bot.modals and percentile(bot.modals, 99) >= MODAL_P99_MS:
            problems.append(f"round {index + 1}: command-to-modal p99 {percentile(bot.modals, 99):.0f} ms "
                            f"(target < {MODAL_P99_MS} ms)")
        if bot.acks and floor.acks:
            ratio = percentile(bot.acks, 99) / percentile(floor.acks, 99)
            print(f"{'':6} ack p99 amends/floor {ratio:.2f}x")
            if ratio > ACK_RATIO:
                problems.append(f"round {index + 1}: ack p99 {ratio:.2f}x the floor's (target <= {ACK_RATIO}x)")
    failed = Counter(f"{c.method}: {c.error}" for c in fake.calls() if not c.ok)
    if failed:
        print("failed Web API calls:", dict(failed))
    print(f"servers' output: {workdir}/floor.log, {workdir}/amends.log")
    fake.stop()
    # Never "met" next to a failure: any problem in any round is a miss.
    if problems:
        print("\ntarget MISSED:\n  " + "\n  ".join(problems))
        return 1
    print(f"\ntarget met in every round: every modal opened within 3 s, command-to-modal p99 < {MODAL_P99_MS} ms, "
          f"ack p99 within {ACK_RATIO}x of the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
