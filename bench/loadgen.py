"""A minimal load generator (like wrk, for signed Slack requests): a separate process so that the client
measuring latencies does not share a GIL with the fake Slack serving the bot's API calls.

    python -m bench.loadgen URL SECRET BODIES_JSON CONCURRENCY  -> prints JSON [[ms, status, sent], ...]

`sent` is time.monotonic() when the request went out: CLOCK_MONOTONIC is the same clock in every process on
the machine, so the caller can compare it with when the fake Slack saw the work the request set off.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bot.sandbox.signing import signed_headers


def send(url: str, secret: str, body: bytes, content_type: str) -> tuple[float, int, float]:
    headers = signed_headers(secret, body, content_type=content_type)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    sent = time.monotonic()
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return (time.perf_counter() - started) * 1000, status, sent


def main() -> int:
    url, secret, bodies_path, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(bodies_path) as handle:
        spec = json.load(handle)
    bodies = [b.encode() for b in spec["bodies"]]
    content_type = spec.get("content_type", "application/x-www-form-urlencoded")
    warmup = spec.get("warmup", 0)
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda body: send(url, secret, body, content_type), bodies))
    json.dump(results[warmup:], sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
