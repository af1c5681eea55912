"""The reminder sender's Slack client, side by side: slack_sdk's WebClient from a pool of threads (what
the sender uses) against AsyncWebClient (aiohttp, one event loop) with the same number of posts in flight.

    python bench/slack_clients.py [--posts 3000] [--concurrency 32] [--channels 500]

Each client runs in a child process of its own and posts the same messages (a status reminder's blocks and
metadata) to the fake Slack served by this process, without rate limits. Prints posts per second and the
CPU milliseconds a post costs the client and the fake. AsyncWebClient needs aiohttp (not a dependency of
Amends; `pip install aiohttp` to run its half).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sandbox.fake_slack import FakeSlack  # noqa: E402

BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": ":clock3: *Time to update the customer.* They haven't "
                                 "been told anything yet. Customers kept in the loop forgive."}},
    {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "text", "text": "AM-1 ", "style": {"bold": True}}, {"type": "text", "text": "Customer 1 · SO-1"}]}]},
    {"type": "actions", "block_id": "reminder:1", "elements": [
        {"type": "button", "action_id": "reminder_update_sent", "text": {"type": "plain_text", "text": "Update sent"},
         "style": "primary"},
        {"type": "static_select", "action_id": "reminder_snooze", "placeholder": {"type": "plain_text", "text": "Snooze"},
         "options": [{"text": {"type": "plain_text", "text": t}, "value": v}
                     for t, v in (("1 hour", "1h"), ("4 hours", "4h"), ("Tomorrow morning", "tomorrow"))]}]},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Update sent: tell me you did it."}]},
]


def message(i: int, channels: list[str]) -> dict[str, Any]:
    return dict(channel=channels[i % len(channels)], text=f"Time to update Customer {i} on AM-{i}.", blocks=BLOCKS,
                unfurl_links=False, metadata={"event_type": "amends_reminder",
                                              "event_payload": {"reminder_id": i, "kind": "status_update"}})


def threads(url: str, token: str, channels: list[str], posts: int, concurrency: int, out: Any) -> None:
    from slack_sdk import WebClient

    client = WebClient(token=token, base_url=url)
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda i: client.chat_postMessage(**message(i, channels)), range(posts)))
    out.send((time.perf_counter() - started, time.process_time() - cpu))


def asyncio_client(url: str, token: str, channels: list[str], posts: int, concurrency: int, out: Any) -> None:
    import asyncio

    from slack_sdk.web.async_client import AsyncWebClient

    async def run() -> tuple[float, float]:
        client = AsyncWebClient(token=token, base_url=url)
        gate = asyncio.Semaphore(concurrency)

        async def post(i: int) -> None:
            async with gate:
                await client.chat_postMessage(**message(i, channels))

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(post(i) for i in range(posts)))
        return time.perf_counter() - started, time.process_time() - cpu

    out.send(asyncio.run(run()))


def measure(name: str, target: Any, fake: FakeSlack, channels: list[str], args: argparse.Namespace) -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=target, args=(fake.api_url, fake.bot_token, channels, args.posts, args.concurrency, send))
    fake_cpu = time.process_time()
    process.start()
    wall, client_cpu = receive.recv()
    fake_cpu = time.process_time() - fake_cpu
    process.join()
    print(f"{name:<28} {args.posts / wall:6.0f} posts/s   client {1000 * client_cpu / args.posts:5.2f} ms CPU a post   "
          f"fake {1000 * fake_cpu / args.posts:5.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--channels", type=int, default=500)
    args = parser.parse_args()
    fake = FakeSlack().start()
    channels = [f"U0B{i:07d}" for i in range(args.channels)]
    for user in channels:
        fake.add_user(user, user.lower())
    print(f"{args.posts} posts, {args.concurrency} in flight, {args.channels} DMs; load average "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    measure("WebClient, threads", threads, fake, channels, args)
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        print("AsyncWebClient: aiohttp is not installed")
    else:
        measure("AsyncWebClient, asyncio", asyncio_client, fake, channels, args)
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
