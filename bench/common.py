"""Shared benchmark plumbing: start processes, wait for them, summarise latencies."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


SERVER_CPUS: set[int] = set()
CLIENT_CPUS: set[int] = set()


def split_cpus() -> str:
    """Give the server under test its own core and Slack's side (fake Web API, load generator) the rest,
    as in production, where Slack's servers do not share the bot's machine. Returns a description."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return f"{len(cpus)} CPU: server and load share it"
    SERVER_CPUS.clear()
    SERVER_CPUS.add(cpus[0])
    CLIENT_CPUS.clear()
    CLIENT_CPUS.update(cpus[1:])
    os.sched_setaffinity(0, CLIENT_CPUS)
    return f"server pinned to CPU {cpus[0]}, fake Slack and load generator to CPU {','.join(map(str, cpus[1:]))}"


def _pin_server() -> None:
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)


def start(args: list[str], env: dict[str, str], cwd: Path, *, output: Path) -> subprocess.Popen[bytes]:
    """Start a server under test (on the server CPU when split_cpus() was called); its stdout and stderr go
    to the file `output`. Never to a pipe nobody reads: once 64 KB of log lines (waitress warns "Task queue
    depth is N" for every queued request) fill it, every thread that logs blocks, and the server with it."""
    with output.open("ab") as sink:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, *args], cwd=cwd, env={**os.environ, **env},
                                stdout=sink, stderr=subprocess.STDOUT, preexec_fn=_pin_server)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values_ms, 50),
        "p99": percentile(values_ms, 99),
        "max": max(values_ms),
        "mean": statistics.fmean(values_ms),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to compare work per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def postgres_cpu_ms() -> float | None:
    """CPU time used so far by every PostgreSQL server process on this machine, in ms (Linux schedstat, in
    ns), or None when there are none to read: a local server's share of a request's work, which on a busy
    or page-starved machine the wall clock mixes with waiting."""
    total, found = 0, False
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() == "postgres":
                total += int((proc / "schedstat").read_text().split()[0])
                found = True
        except OSError:  # the process ended, or isn't ours to read
            continue
    return total / 1e6 if found else None


@contextmanager
def private_schema(url: str | None, *, prefix: str = "amends_bench") -> Iterator[str | None]:
    """A PostgreSQL schema of our own on a shared server, dropped afterwards: yields the URL that uses it
    (None when there is no server to use). The tests use it too."""
    if url is None:
        yield None
        return
    from sqlalchemy import create_engine, text

    from bot.db import in_schema, normalize_url

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield in_schema(url, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
