"""How PostgreSQL's full-text index is read (backends.scan_plan): whichever way a query goes - walking the
newest entries back, the block index, the whole index - it finds exactly the newest matches. And the
vocabulary counts filter words, which the estimates behind that choice need."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.db import Database
from bot.knowledge.backends import BLOCK, WALK_MAX, Alternative, Filters, Group, PostgresFullText, Step, scan_plan
from bot.knowledge.index import Curation, SourceMessage, forget, index_message, index_new_messages
from bot.knowledge.models import Entry, Term
from bot.knowledge.status import index_status
from bot.knowledge.text import vocabulary_terms
from bot.knowledge.vocabulary import Speller
from tests.conftest import BACKENDS, POSTGRES_URL, _truncate_postgres

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def covers(steps: list[Step], upto: int) -> bool:
    """The steps read (0, upto] once, newest range first."""
    return (steps[0].hi == upto and steps[-1].lo == 0 and all(s.lo < s.hi for s in steps)
            and all(newer.lo == older.hi for newer, older in zip(steps, steps[1:], strict=False)))


# ---------------------------------------------------------------------- the plan


def test_dense_matches_walk_the_newest_entries_back_a_bounded_way() -> None:
    steps = scan_plan(expected=200_000, upto=1_000_000, limit=50, blocks=True)
    assert steps[0].how == "walk" and steps[0].hi - steps[0].lo == 1_000  # 50 matches at 20 % need 250
    assert covers(steps, 1_000_000)
    far = scan_plan(expected=25_000, upto=1_000_000, limit=50, blocks=True)  # 2.5 %: 4,000 entries hold 50
    assert far[0].how == "walk" and far[0].hi - far[0].lo == 4_000 <= WALK_MAX


def test_sparse_matches_of_common_words_read_the_newest_blocks_then_more_then_the_rest() -> None:
    steps = scan_plan(expected=700, upto=1_000_000, limit=50, blocks=True)  # 100 matches in 142,857 entries
    assert [s.how for s in steps] == ["blocks", "index"]
    assert (steps[0].lo, steps[0].hi) == (34 * BLOCK - 1, 1_000_000)  # blocks 34 to 40 (id 1,000,000 alone)
    assert covers(steps, 1_000_000)
    larger = scan_plan(expected=7_000, upto=10_000_000, limit=50, blocks=True)
    assert [s.how for s in larger] == ["blocks", "blocks", "blocks", "index"]
    need = 50 * 2 / 0.0007
    for step, wanted in zip(larger, (need, 4 * need, 16 * need), strict=False):  # four times as many entries each time
        assert wanted <= step.hi - step.lo < wanted + BLOCK and (step.lo + 1) % BLOCK == 0
    assert covers(larger, 10_000_000)


def test_rare_matches_read_the_whole_index_at_once() -> None:
    assert [s.how for s in scan_plan(expected=12, upto=1_000_000, limit=50, blocks=True)] == ["index"]
    assert [s.how for s in scan_plan(expected=0, upto=1_000_000, limit=50, blocks=True)] == ["index"]


def test_without_the_block_index_the_whole_index_answers_what_a_walk_did_not() -> None:
    assert [s.how for s in scan_plan(expected=700, upto=1_000_000, limit=50, blocks=False)] == ["index"]
    assert [s.how for s in scan_plan(expected=200_000, upto=1_000_000, limit=50, blocks=False)] == ["walk", "index"]


def test_an_index_of_one_block_is_never_read_block_by_block() -> None:
    for expected in (0, 2, 40, 300):
        steps = scan_plan(expected=expected, upto=300, limit=50, blocks=True)
        assert covers(steps, 300) and "blocks" not in {s.how for s in steps}
    assert scan_plan(expected=0, upto=0, limit=50, blocks=True) == []


# ---------------------------------------------------------------------- PostgreSQL, end to end


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    if not POSTGRES_URL:
        pytest.skip("AMENDS_TEST_POSTGRES_URL is not set")
    url = request.getfixturevalue("postgres_schema_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def pg(pg_url: str) -> Iterator[Database]:
    db = Database(pg_url)
    yield db
    db.dispose()


def words_of(n: int) -> str:
    return " ".join(w for w, every in (("alpha", 1), ("bravo", 2), ("charlie", 3), ("delta", 7)) if n % every == 0)


@pytest.mark.postgres
def test_every_way_of_reading_the_index_finds_exactly_the_newest_matches(pg: Database) -> None:
    """Entries in four blocks (one batch straddling a boundary); for queries common and rare, dense and
    sparse, with and without a filter, and estimates right and badly wrong, each plan gives what a plain
    newest-first scan would."""
    starts = [0, BLOCK - 6, 2 * BLOCK + 100, 3 * BLOCK + 5]
    n = 0
    with pg.transaction() as session:
        for start in starts:
            if start:
                session.execute(text("SELECT setval(pg_get_serial_sequence('knowledge_entries', 'id'), :n)"),
                                {"n": start})
            batch = []
            for _ in range(12):
                batch.append((SourceMessage("C0BLOCKS", f"{1_760_000_000 + n}.000000", "U0BLOCKS", words_of(n)),
                              "stock-out" if n % 2 else "logistics"))
                n += 1
            index_new_messages(session, batch, now=NOW)
    with pg.transaction() as session:
        rows = session.execute(select(Entry.id, Entry.index_body, Entry.cause).order_by(Entry.id.desc())).all()
        upto = rows[0].id
        assert {r.id // BLOCK for r in rows} == {0, 1, 2, 3}
        assert session.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname = "
                                   "'ix_knowledge_entries_search_blocks' AND schemaname = current_schema()")) == 1

        def group(*words: str) -> Group:
            return Group((words[0],), tuple(Alternative((w,), 1.0, "typed") for w in words))

        queries = [([group("alpha")], None), ([group("bravo"), group("charlie")], None),
                   ([group("delta")], "stock-out"), ([group("charlie", "delta"), group("alpha")], "logistics")]
        ways: set[str] = set()
        backend = PostgresFullText(blocks=True)
        for groups, cause in queries:
            wanted = [r.id for r in rows if all(any(w in r.index_body.split() for a in g.alternatives for w in a.words)
                                               for g in groups) and cause in (None, r.cause)]
            for limit in (1, 3, 7, 50):
                for expected in (0.0, 1.0, 40.0, 0.3 * upto, float(upto)):
                    filters = Filters(cause=cause, upto_id=upto)
                    found = backend.match(session, groups, mode="all", filters=filters, limit=limit,
                                          expected=expected)
                    assert found == wanted[:limit], (groups, cause, limit, expected)
                    ways |= {s.how for s in scan_plan(expected, upto, limit, blocks=True)}
            skip = tuple(wanted[:2])
            found = backend.match(session, groups, mode="all", filters=Filters(cause=cause, upto_id=upto,
                                                                               exclude_ids=skip),
                                  limit=3, expected=0.3 * upto)
            assert found == [i for i in wanted if i not in skip][:3]
        assert ways == {"walk", "blocks", "index"}
        # Each step reads the way it was planned (a small table would otherwise be read whole).
        session.execute(text("SET LOCAL enable_seqscan = off"))
        query, filters = backend.tsquery([group("alpha")], "all", Filters(upto_id=upto)), Filters(upto_id=upto)
        gin = "Bitmap Index Scan on ix_knowledge_entries_search_blocks"
        for step, expect in [(Step("blocks", 2 * BLOCK - 1, upto), [gin, "((id / 25000) = 3)", "((id / 25000) = 2)"]),
                             (Step("index", 0, upto), [gin]),
                             (Step("walk", upto - 40, upto), ["Index Scan Backward using pk_knowledge_entries"])]:
            statement = backend.statement(step, query, filters, 5).compile(
                dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
            plan = "\n".join(session.scalars(text(f"EXPLAIN {statement}")))
            assert all(e in plan for e in expect), plan
        assert "newest entries first" in index_status(session)[1]


# ---------------------------------------------------------------------- the vocabulary's filter counts


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "amends.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
        _truncate_postgres(url)
    database = Database(url)
    yield database
    database.dispose()


def test_the_vocabulary_counts_filter_words_without_offering_them_as_corrections(db: Database) -> None:
    with db.transaction() as session:
        for n, cause in enumerate(["stock-out", "stock-out", "quality"]):
            index_message(session, SourceMessage("C0FACETS", f"{1_760_000_000 + n}.000000", "U0FACETS",
                                                 "Courier lost the parcel"), now=NOW,
                          curation=Curation(None, cause, (), "U0FACETS"))
    with db.transaction() as session:
        counts = dict(session.execute(select(Term.term, Term.entries).where(Term.term.like("~%"))).all())
        assert counts["~causestockout"] == 2 and counts["~causequality"] == 1 and counts["~kindmessage"] == 3
        assert counts["~chanc0facets"] == 3 and counts["~useru0facets"] == 3
        words = set().union(*(vocabulary_terms(f"{e.index_title} {e.index_body}") for e in session.scalars(select(Entry))))
        assert f"vocabulary: {len(words)} words" in index_status(session)[0]
        assert [s.term for s in Speller().suggest(session, "causestockot")] == []
        forget(session, session.scalars(select(Entry).order_by(Entry.id)).first())
    with db.transaction() as session:
        counts = dict(session.execute(select(Term.term, Term.entries).where(Term.term.like("~%"))).all())
        assert counts["~causestockout"] == 1 and counts["~kindmessage"] == 2
