"""Search latency at 10k, 100k and 1M entries, on SQLite and PostgreSQL, next to a rapidfuzz scan of
every entry (the naive baseline), with recall@5 on the labelled query set planted among the entries.

    python bench/search.py [--sizes 10000 100000 1000000] [--postgres postgresql://...] [--queries 200]

Prints, per database and size: build time, database size, process memory, p50/p95 query latency for a
mix of exact, misspelled and filtered queries (wall clock, and the bot process's CPU time, which on a
busy shared machine is the steadier figure; on a local PostgreSQL also with its server processes' CPU time,
which leaves out waiting for pages the operating system no longer had in memory),
the naive scan's latency and the ratio, and recall@5 (the naive scan's only up to 100k: at 1M its 49
labelled queries would take minutes each). With --drop-page-cache (Linux, as root), also the same figures
for another mix of the same kinds after the operating system dropped every file's cached pages, as this
machine does on its own with pages unused for a minute: the databases then read them back.
Target: p95 under 20 ms at 1M on one core; recall@5 no worse than the naive scan.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import select, text  # noqa: E402

from bench.common import postgres_cpu_ms, private_schema  # noqa: E402
from bench.knowledge_corpus import messages  # noqa: E402
from bench.search_eval import filters_of, load_labelled, naive_top5, recall_at_5  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from bot.knowledge.index import SourceMessage, index_new_messages  # noqa: E402
from bot.knowledge.models import Entry  # noqa: E402
from bot.knowledge.query import parse_query  # noqa: E402
from bot.knowledge.search import SearchEngine  # noqa: E402
from bot.knowledge.synonyms import load_synonyms  # noqa: E402
from bot.knowledge.text import normalize  # noqa: E402

ZONE = ZoneInfo("UTC")
BATCH = 5000
BASE_TS = 1_600_000_000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(db: Database, size: int) -> tuple[float, dict[str, str], list[str]]:
    labelled = load_labelled()
    now = datetime.now(UTC)
    started = time.perf_counter()
    texts: list[str] = []
    names: dict[str, str] = {}
    batch: list[tuple[SourceMessage, str | None]] = []
    planted = {size * (i + 1) // (len(labelled.entries) + 1): name for i, name in enumerate(labelled.entries)}

    def flush() -> None:
        with db.transaction() as session:
            index_new_messages(session, batch, now=now)
        batch.clear()

    for n, (body, cause) in enumerate(messages(size)):
        if n in planted:
            body, cause = labelled.entries[planted[n]]
        message = SourceMessage(f"C0BENCH{n % 4}", f"{BASE_TS + n * 30}.000000", f"U0BENCH{n % 50:03d}", body)
        if n in planted:
            names[message.key] = planted[n]
        batch.append((message, cause))
        texts.append(body)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return time.perf_counter() - started, names, texts


def query_mix(texts: list[str], count: int, *, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        words = [w for w in normalize(rng.choice(texts)).split() if len(w) > 3]
        picked = rng.sample(words, k=min(len(words), rng.randint(1, 3)))
        if i % 3 == 1:  # a typo: drop a letter from the longest word
            longest = max(picked, key=len)
            j = rng.randrange(1, len(longest) - 1)
            picked[picked.index(longest)] = longest[:j] + longest[j + 1:]
        query = " ".join(picked)
        if i % 3 == 2:
            query += f" cause:{rng.choice(['stock-out', 'logistics', 'quality'])}"
        out.append(query)
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def drop_page_cache() -> bool:
    """Have the operating system forget the files it keeps in memory (Linux, as root), as it does here on
    its own with pages unused for a minute: the database then reads them again. False when not allowed."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def timed(queries: list[str], search: Callable[[str], object], postgres: bool) -> dict[str, list[float]]:
    """Each query's wall-clock ms, the bot process's CPU ms, and with a local PostgreSQL both CPUs'."""
    times: dict[str, list[float]] = {"wall": [], "cpu": [], "both": []}
    for query in queries:
        server_started = postgres_cpu_ms() if postgres else None
        started, cpu_started = time.perf_counter(), time.process_time()
        search(query)
        times["wall"].append((time.perf_counter() - started) * 1000)
        times["cpu"].append((time.process_time() - cpu_started) * 1000)
        if server_started is not None:
            times["both"].append((postgres_cpu_ms() or 0.0) - server_started + times["cpu"][-1])
    return times


def figures(times: dict[str, list[float]]) -> str:
    both = times["both"]
    server = f", with the server's p50 {statistics.median(both):5.1f} p95 {percentile(both, 0.95):5.1f}" if both else ""
    return (f"p50 {statistics.median(times['wall']):6.1f} ms  p95 {percentile(times['wall'], 0.95):6.1f} ms  "
            f"(bot process CPU p50 {statistics.median(times['cpu']):5.1f} p95 {percentile(times['cpu'], 0.95):5.1f} ms"
            f"{server})")


def run(label: str, url: str, size: int, queries: int, naive_queries: int, cold: bool = False) -> None:
    upgrade(url)
    db = Database(url)
    before = rss_mb()
    seconds, names, texts = build(db, size)
    if db.dialect == "postgresql":
        # What autovacuum does to a live index: merge GIN's pending list (a fresh bulk load leaves every new
        # entry in it, and each search then reads it all) and gather planner statistics.
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM ANALYZE knowledge_entries"))
            conn.execute(text("VACUUM ANALYZE knowledge_terms"))
    with db.transaction() as session:
        engine, note = SearchEngine.for_session(session, load_synonyms())
        if db.dialect == "postgresql":
            size_on_disk = session.scalar(text("SELECT pg_total_relation_size('knowledge_entries') + "
                                               "pg_total_relation_size('knowledge_terms')"))
        else:
            size_on_disk = Path(url.removeprefix("sqlite:///")).stat().st_size

    def ours(query: str) -> list[Entry]:
        parsed = parse_query(query, zone=ZONE)
        with db.reading() as session:
            return [h.entry for h in engine.search(session, parsed, filters_of(parsed), limit=5).hits]

    mix = query_mix(texts, queries)
    ours(mix[0])  # warm the vocabulary
    times = timed(mix, ours, db.dialect == "postgresql")
    memory = rss_mb() - before
    # Another mix of the same kinds, after the operating system dropped the files' pages (as this machine
    # does with any page unused for a minute): what a search costs when it must read them back.
    dropped = cold and drop_page_cache()
    after = timed(query_mix(texts, queries, seed=4), ours, db.dialect == "postgresql") if dropped else None

    with db.transaction() as session:
        rows = session.execute(select(Entry.source_key, Entry.body, Entry.cause)).all()
    normalized = [normalize(body) for _, body, _ in rows]
    causes = [cause for _, _, cause in rows]
    row_names = [names.get(key) for key, _, _ in rows]

    def naive(query: str) -> list[str]:
        parsed = parse_query(query, zone=ZONE)
        words = " ".join(parsed.words + tuple(w for p in parsed.phrases for w in p))
        return naive_top5(words, parsed.cause, normalized, causes, row_names)

    naive_ms = []
    for query in mix[:naive_queries]:
        started = time.perf_counter()
        naive(query)
        naive_ms.append((time.perf_counter() - started) * 1000)
    labelled = load_labelled()
    ours_recall, _ = recall_at_5(labelled, lambda q: [names.get(e.source_key, "") for e in ours(q)])
    naive_recall, _ = recall_at_5(labelled, naive) if size <= 100_000 else (float("nan"), [])
    naive_p50 = statistics.median(naive_ms)
    cold_figures = (f"  page cache dropped: {figures(after)}" if after else
                    "  (page cache not dropped: needs root)" if cold else "")
    print(f"{label:10} {size:>9,} build {seconds:7.1f}s  db {size_on_disk / 2**20:7.1f} MB  mem +{memory:6.0f} MB  "
          f"{figures(times)}  naive p50 {naive_p50:8.0f} ms ({naive_p50 / statistics.median(times['wall']):5.0f}x)  "
          f"recall@5 {ours_recall:.2f} (naive {naive_recall:.2f}){cold_figures}  [{note}]", flush=True)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--postgres", default=os.environ.get("AMENDS_TEST_POSTGRES_URL"))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive-queries", type=int, default=5)
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--drop-page-cache", action="store_true",
                        help="then time another mix after dropping the OS page cache (Linux, root; every file's)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs (shared); one query at a time on one thread")
    for size in args.sizes:
        if "sqlite" in args.databases:
            with tempfile.TemporaryDirectory() as folder:
                run("SQLite", f"sqlite:///{folder}/bench.db", size, args.queries, args.naive_queries,
                    args.drop_page_cache)
        if args.postgres and "postgresql" in args.databases:
            with private_schema(args.postgres) as url:
                run("PostgreSQL", url, size, args.queries, args.naive_queries, args.drop_page_cache)


if __name__ == "__main__":
    main()
