"""How PostgreSQL's full-text index is read (backends.scan_plan): whichever way a query goes - walking the
newest entries back, the block index, the whole index - it finds exactly the newest matches. And the
vocabulary counts filter words, which the estimates behind that choice need."""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

import bot.knowledge.search as search_module
from bot.db import Database
from bot.knowledge.backends import (
    BLOCK,
    Alternative,
    Estimate,
    Filters,
    Group,
    PostgresFullText,
    Step,
    distinct_forms,
    full_text_for,
    measured,
    next_step,
    sift,
)
from bot.knowledge.index import Curation, SourceMessage, forget, index_message, index_new_messages
from bot.knowledge.models import Entry, Term
from bot.knowledge.query import parse_query
from bot.knowledge.search import SearchEngine
from bot.knowledge.status import index_status
from bot.knowledge.synonyms import load_synonyms
from bot.knowledge.text import lexeme, vocabulary_terms
from bot.knowledge.vocabulary import Speller
from tests.conftest import BACKENDS, POSTGRES_URL, _truncate_postgres

NOW = datetime(2026, 11, 1, tzinfo=UTC)
COMMON = 600_000.0  # postings of a query of four words, each in 12-17 % of 1M entries


def plan(matches: float, postings: float = COMMON, *, upto: int = 1_000_000, limit: int = 50,
         blocks: bool = True) -> Step:
    return next_step(Estimate(matches, postings), upto, limit, upto=upto, blocks=blocks)


# ---------------------------------------------------------------------- the next step


def test_dense_matches_walk_the_newest_entries_back() -> None:
    assert plan(200_000) == Step("walk", 999_000, 1_000_000)  # 50 matches at 20 % are in 250 entries
    assert plan(25_000) == Step("walk", 996_000, 1_000_000)   # at 2.5 %, in 2,000: twice over


def test_sparse_matches_of_common_words_read_the_newest_blocks() -> None:
    # 0.5 %: 100 matches in 20,000 entries: blocks 39 and 40 (id 1,000,000 alone), not the whole index
    assert plan(5_000) == Step("blocks", 39 * BLOCK - 1, 1_000_000)
    # four words each in 12-17 % of the entries, all four in 0.07 %: 7 blocks (1 ms each) beat the index
    assert plan(700) == Step("blocks", 34 * BLOCK - 1, 1_000_000)


def test_a_word_in_one_entry_in_a_hundred_reads_blocks_not_every_match() -> None:
    # The whole index would read all 10,000 matching rows to sort them; without blocks, walking back wins.
    assert plan(10_000, postings=10_000) == Step("blocks", 39 * BLOCK - 1, 1_000_000)
    assert plan(10_000, postings=10_000, blocks=False) == Step("walk", 990_000, 1_000_000)


def test_rare_matches_read_the_whole_index() -> None:
    assert plan(12) == Step("index", 0, 1_000_000)
    assert plan(40, postings=200_000) == Step("index", 0, 1_000_000)  # a rare word beside common ones
    assert plan(0, postings=0) == Step("index", 0, 1_000_000)


def test_a_first_step_that_could_read_many_matches_measures_them_in_the_newest_blocks_first() -> None:
    def first(matches: float, most: float) -> Step:
        return next_step(Estimate(matches, COMMON, most), 1_000_000, 50, upto=1_000_000, blocks=True, first=True)

    # 12 matches if the words were independent, but 1,500 entries hold the rarest: blocks 39 and 40 first
    assert first(12, most=1_500) == Step("blocks", 39 * BLOCK - 1, 1_000_000)
    assert first(700, most=30_000) == Step("blocks", 39 * BLOCK - 1, 1_000_000)
    assert first(700, most=2_000) == Step("blocks", 39 * BLOCK - 1, 1_000_000)  # 7 blocks could hold 350
    # Never when few could match in the range planned, when walking back is planned, or for a phrase
    # (estimated as none).
    assert first(12, most=50) == Step("index", 0, 1_000_000)
    assert first(2_000, most=1_500) == Step("blocks", 38 * BLOCK - 1, 1_000_000)  # 75 in 3 blocks
    assert first(200_000, most=400_000).how == "walk"
    assert first(0, most=1_500) == Step("index", 0, 1_000_000)
    # Only the first step: the next ones are planned from what it found.
    assert next_step(Estimate(12, COMMON, 1_500), 974_999, 50, upto=1_000_000, blocks=True) == Step("index", 0, 974_999)


def test_what_a_step_saw_corrects_the_estimate_only_where_it_rules_it_out() -> None:
    newest = Step("blocks", 39 * BLOCK - 1, 1_000_000)  # 25,001 entries
    # More than expected: words that go together. The measure stands.
    assert measured(12, 40, newest, 1_000_000) == pytest.approx(40.5 / 25_001 * 1_000_000)
    # 7 where 433 in 1M would give 11: chance. The vocabulary's count stands.
    assert measured(433, 7, newest, 1_000_000) == 433
    # None where 4,000 would give 100: the estimate is wrong, and the most it could be is about 120.
    assert measured(4_000, 0, newest, 1_000_000) == pytest.approx(3 / 25_001 * 1_000_000)
    assert measured(0, 0, newest, 1_000_000) == pytest.approx(0.5 / 25_001 * 1_000_000)  # a phrase, as none


def test_an_index_of_one_block_is_never_read_block_by_block() -> None:
    for matches in (0, 2, 40, 150, 300):
        assert plan(matches, upto=300).how != "blocks"


# ---------------------------------------------------------------------- what the index is asked for


def alternatives(*phrases: str) -> tuple[Alternative, ...]:
    return tuple(Alternative(tuple(p.split()), 1.0, "typed") for p in phrases)


def test_alternatives_are_kept_once_a_word_form() -> None:
    kept = distinct_forms(alternatives("cancelled", "cancel", "canceled", "cancellation", "refund"), lexeme)
    assert [a.words for a in kept] == [("cancelled",), ("refund",)]
    assert [a.words for a in distinct_forms(alternatives("stock out", "stocks out", "stock"), lexeme)] == [
        ("stock", "out"), ("stock",)]
    # A word whose form is not known is a form of its own.
    known = {"cancel": "cancel", "cancelled": "cancel"}
    assert [a.words for a in distinct_forms(alternatives("cancelled", "cancel", "canceled"), known.get)] == [
        ("cancelled",), ("canceled",)]


@pytest.mark.postgres
def test_postgresql_queries_name_each_lexeme_once_as_the_server_stems_it(pg: Database) -> None:
    # Our stemmer makes "added" "add"; PostgreSQL 15's makes it "ad", so naming only "add" would lose it.
    groups = [Group((w[0],), alternatives(*w)) for w in (("cancelled", "cancel", "canceled", "cancellation"),
                                                         ("add", "added", "adding"), ("carrier", "courier"),
                                                         ("down", "downs"))]
    words = [w for g in groups for a in g.alternatives for w in a.words]
    backend = PostgresFullText(blocks=True)
    with pg.reading() as session:
        server = {w: " ".join(session.scalar(text("SELECT tsvector_to_array(to_tsvector('english', :w))"), {"w": w}))
                  for w in words}
        assert backend.expression(groups, "all").count("(") == len(words) + len(groups)  # none learned yet
        backend.match(session, groups, mode="all", filters=Filters(upto_id=1), limit=1, estimate=Estimate(0, 0))
    expression = backend.expression(groups, "all")
    for group, part in zip(groups, expression.split(" & "), strict=True):
        named = re.findall(r"\((\w+)\)", part)
        assert sorted(server[w] for w in named) == sorted({server[a.words[0]] for a in group.alternatives}), part
    assert "carrier" in expression and "courier" in expression and "downs" in expression
    assert backend.expression(groups, "any").count("(") == len(set(server.values()))


def test_a_word_in_most_entries_is_checked_on_the_rows_the_rarer_words_find() -> None:
    upto = 1_000_000
    # 149 matches: "bribri" (60 %) is most of the postings and would rule out few of the rows found.
    common = Estimate(149, 810_000, 36_000, groups=((51_000, 51_000), (36_000, 36_000), (600_000, 600_000)))
    checked, estimate = sift(common, upto)
    assert checked == (2,)
    assert estimate.postings == 210_000 and estimate.passing == pytest.approx(0.6)
    # Reading the rows it would have ruled out costs more than its postings: 20,000 matches of two
    # words in 40 % of the entries each would be 30,000 rows more to read.
    dense = Estimate(20_000, 800_000, 400_000, groups=((400_000, 400_000), (400_000, 400_000)))
    assert sift(dense, upto)[0] == ()
    # A word in 14 % of the entries narrows too much to leave to the rows; the rarest group always stays.
    assert sift(Estimate(150, 300_000, 5_000, groups=((140_000, 140_000), (5_000, 5_000))), upto)[0] == ()
    assert sift(Estimate(9, 1.6e6, 0, groups=((800_000, 800_000), (800_000, 800_000))), upto)[0] == (0,)
    assert sift(Estimate(9, 800_000, 0, groups=((800_000, 800_000),)), upto)[0] == ()
    # The index then reads more rows a match, which the plan counts.
    assert next_step(estimate, upto, 50, upto=upto, blocks=True) != next_step(
        replace(estimate, passing=0.01), upto, 50, upto=upto, blocks=True)


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
        rows = session.execute(select(Entry.id, Entry.index_body, Entry.cause, Entry.posted_at)
                               .order_by(Entry.id.desc())).all()
        upto = rows[0].id
        read = {r.id: (r.index_body, r.posted_at) for r in rows}
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
                for expected, most in itertools.product((0.0, 1.0, 40.0, 0.3 * upto, float(upto)), (0.0, upto)):
                    filters = Filters(cause=cause, upto_id=upto)
                    estimate = Estimate(expected, 10.0 * upto, most)  # `most`: whether to measure first
                    found = backend.match(session, groups, mode="all", filters=filters, limit=limit,
                                          estimate=estimate, tiers=[[group("bravo")], [group("delta")]])
                    assert [c.id for c in found] == wanted[:limit], (groups, cause, limit, expected, most)
                    # Each match comes with what the rerank reads of it, and which narrower queries it
                    # matches, whichever way it was read.
                    assert all((c.body, c.posted_at) == read[c.id] for c in found)
                    assert all(c.tiers == {i for i, w in enumerate(("bravo", "delta")) if w in read[c.id][0]}
                               for c in found)
                    ways.add(next_step(estimate, upto, limit, upto=upto, blocks=True, first=True).how)
                    ways.add(next_step(estimate, upto, limit, upto=upto, blocks=True).how)
            if len(groups) > 1:
                # The commoner groups checked on the rows the index finds: the same matches, however read.
                common = tuple((float(upto), 10.0 * upto) for _ in groups)
                for limit, expected in itertools.product((1, 3, 7, 50), (0.0, 40.0, float(upto))):
                    estimate = Estimate(expected, 10.0 * upto, 0.0, groups=common)
                    assert len(sift(estimate, upto)[0]) == len(groups) - 1
                    found = backend.match(session, groups, mode="all", filters=Filters(cause=cause, upto_id=upto),
                                          limit=limit, estimate=estimate, tiers=[[group("bravo")]])
                    assert [c.id for c in found] == wanted[:limit], (groups, cause, limit, expected)
                    assert all(c.tiers == ({0} if "bravo" in read[c.id][0] else set()) for c in found)
            skip = tuple(wanted[:2])
            found = backend.match(session, groups, mode="all", filters=Filters(cause=cause, upto_id=upto,
                                                                               exclude_ids=skip),
                                  limit=3, estimate=Estimate(0.3 * upto, 10.0 * upto))
            assert [c.id for c in found] == [i for i in wanted if i not in skip][:3]
        assert ways == {"walk", "blocks", "index"}
        # Each step reads the way it was planned (a small table would otherwise be read whole).
        session.execute(text("SET LOCAL enable_seqscan = off"))
        gin = "Bitmap Index Scan on ix_knowledge_entries_search_blocks"
        # Every block by itself, however many there are (asked as ORs, the planner read the whole index
        # once there were more than two or three).
        gin, in_block = re.escape(gin), re.escape("Index Cond: (((id / 25000) = blocks.k) AND (search_vector @@")
        for step, expect in [(Step("blocks", 2 * BLOCK - 1, upto), [gin, in_block, r"unnest blocks .* rows=2 "]),
                             (Step("blocks", -1, upto), [gin, in_block, r"unnest blocks .* rows=4 "]),
                             (Step("index", 0, upto), [gin]),
                             (Step("walk", upto - 40, upto), ["Index Scan Backward using pk_knowledge_entries"])]:
            statement, values = backend.step_query(step, [group("alpha")], "all", Filters(upto_id=upto), 5)
            compiled = statement.compile(dialect=session.get_bind().dialect)
            plan = "\n".join(row[0] for row in session.connection().exec_driver_sql(
                f"EXPLAIN {compiled}", compiled.construct_params(values)))
            assert all(re.search(e, plan) for e in expect), plan
        # A group checked on the row is not in the index's condition.
        for how in ("blocks", "index"):
            statement, values = backend.step_query(Step(how, -1, upto), [group("alpha"), group("bravo")], "all",
                                                   Filters(upto_id=upto), 5, checked=[0])
            compiled = statement.compile(dialect=session.get_bind().dialect)
            plan = "\n".join(row[0] for row in session.connection().exec_driver_sql(
                f"EXPLAIN {compiled}", compiled.construct_params(values)))
            condition = plan.split("Index Cond:")[1].split("\n")[0]
            assert "'bravo'" in condition and "'alpha'" not in condition, plan
            assert re.search(r"Filter: .*ts_match_vq\(search_vector, '+alpha'+", plan), plan
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
        speller = Speller()
        speller.refresh(session)
        assert [s.term for s in speller.suggest(session, "causestockot")] == []
        forget(session, session.scalars(select(Entry).order_by(Entry.id)).first())
    with db.transaction() as session:
        counts = dict(session.execute(select(Term.term, Term.entries).where(Term.term.like("~%"))).all())
        assert counts["~causestockout"] == 1 and counts["~kindmessage"] == 2


# ---------------------------------------------------------------------- narrower queries behind the cap


def _many_with_both_words(db: Database) -> tuple[int, int, list[int]]:
    """An old entry with the phrase "late delivery", 60 newer ones with both words apart, and the newest with
    the phrase again: (old phrase id, new phrase id, every id newest first)."""
    texts = ["The late delivery upset the customer in Leeds"]
    texts += [f"Delivery {n} reached the store a day late" for n in range(60)]
    texts += ["Another late delivery from the same courier"]
    with db.transaction() as session:
        index_new_messages(session, [(SourceMessage("C0PHRASE", f"{1_760_000_000 + n}.000000", "U0PHRASE", t), None)
                                     for n, t in enumerate(texts)], now=NOW)
    with db.transaction() as session:
        ids = list(session.scalars(select(Entry.id).order_by(Entry.id.desc())))
    return ids[-1], ids[0], ids


def test_an_old_exact_phrase_is_found_behind_more_newer_matches_than_the_cap(db: Database) -> None:
    old, new, _ = _many_with_both_words(db)
    with db.transaction() as session:
        engine, _ = SearchEngine.for_session(session, load_synonyms())
        page = engine.search(session, parse_query("late delivery", zone=UTC), Filters(), limit=3)
    # 62 entries hold both words, more than the 50 candidates: the newest 50 of them leave the old phrase out,
    # the phrase query brings it back, and the rerank puts both phrases first.
    assert page.total == 50
    assert {h.entry.id for h in page.hits[:2]} == {old, new}


def test_a_phrase_is_not_looked_for_among_more_older_entries_than_it_may_read(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Independence puts "late" and "delivery" together in 28 of 2,252 entries; the whole query's newest
    matches show them together in about every older entry (2,000), more than a phrase query may read."""
    texts = [f"Pallet {n} moved to aisle {n % 7}" for n in range(2_000)]
    texts += ["The late delivery upset the customer in Leeds"]
    texts += [f"Delivery {n} reached the store a day late" for n in range(250)]
    texts += ["Another late delivery from the same courier"]
    with db.transaction() as session:
        index_new_messages(session, [(SourceMessage("C0PHRASE", f"{1_750_000_000 + n}.000000", "U0PHRASE", t), None)
                                     for n, t in enumerate(texts)], now=NOW)
        new = session.scalar(select(Entry.id).order_by(Entry.id.desc()).limit(1))
    old = new - 251

    def phrase_hits() -> set[int]:
        with db.reading() as session:
            engine, _ = SearchEngine.for_session(session, load_synonyms())
            page = engine.search(session, parse_query("late delivery", zone=UTC), Filters(), limit=2)
        return {h.entry.id for h in page.hits}

    monkeypatch.setattr(search_module, "PHRASE_SCAN", 30)
    assert phrase_hits() != {old, new}  # the old phrase is not looked for
    monkeypatch.setattr(search_module, "PHRASE_SCAN", 5_000)
    assert phrase_hits() == {old, new}


def test_every_match_says_which_narrower_queries_it_matches(db: Database) -> None:
    old, new, ids = _many_with_both_words(db)
    late, delivery = (Group((w,), (Alternative((w,), 1.0, "typed"),)) for w in ("late", "delivery"))
    phrase = [Group(("late", "delivery"), (Alternative(("late", "delivery"), 1.0, "typed"),))]
    upset = [Group(("upset",), (Alternative(("upset",), 1.0, "typed"),))]
    with db.transaction() as session:
        backend, _ = full_text_for(session)
        # However the engine reads them (estimated dense: walking back; rare: the whole index).
        for estimate in (Estimate(len(ids), 124), Estimate(1, 124)):
            found = backend.match(session, [late, delivery], mode="all", filters=Filters(upto_id=new),
                                  limit=len(ids), estimate=estimate, tiers=[phrase, upset, [late]])
            assert [c.id for c in found] == ids
            assert {c.id: c.tiers for c in found if c.tiers != {2}} == {new: {0, 2}, old: {0, 1, 2}}
        # Only what is older than `below`, newest first.
        found = backend.match(session, phrase, mode="all", filters=Filters(upto_id=new), limit=5,
                              estimate=Estimate(2, 124), below=new)
        assert [c.id for c in found] == [old]


@pytest.mark.postgres
def test_searches_run_statements_the_engine_compiled_when_it_started(pg: Database) -> None:
    """A statement compiled by a search's first step of its shape cost the search 2-5 ms."""
    _many_with_both_words(pg)
    with pg.reading() as session:
        engine, _ = SearchEngine.for_session(session, load_synonyms())
    steps: list[bool] = []

    def record(_conn: object, _cursor: object, statement: str, _params: object, context: Any, _many: bool) -> None:
        if "search_vector" in statement:
            steps.append(context.cache_hit == context.dialect.CACHE_HIT)

    event.listen(pg.engine, "after_cursor_execute", record)
    try:
        with pg.reading() as session:
            for raw in ("late delivery", "delivry late", '"late delivery" customer', "late zebra upset",
                        "late delivery cause:stock-out", "store", "courier reached leeds"):
                query = parse_query(raw, zone=UTC)
                engine.search(session, query, Filters(cause=query.cause))
    finally:
        event.remove(pg.engine, "after_cursor_execute", record)
    assert len(steps) > 7 and all(steps)


@pytest.mark.postgres
def test_reading_the_whole_index_brings_the_spare_matches_with_it(pg: Database) -> None:
    _, _, ids = _many_with_both_words(pg)
    both = [Group(("late",), (Alternative(("late",), 1.0, "typed"),)),
            Group(("delivery",), (Alternative(("delivery",), 1.0, "typed"),))]
    with pg.transaction() as session:
        backend = PostgresFullText(blocks=True)
        filters = Filters(upto_id=ids[0])
        # Estimated rare, the whole index is read and every match comes back: more than the limit, fewer than
        # the limit and the spare together, so the caller knows it has them all.
        assert [c.id for c in backend.match(session, both, mode="all", filters=filters, limit=5,
                                            estimate=Estimate(1, 124), spare=100)] == ids
        # Estimated dense, the walk back stops at the limit: nothing spare.
        assert [c.id for c in backend.match(session, both, mode="all", filters=filters, limit=5,
                                            estimate=Estimate(len(ids), 124), spare=100)] == ids[:5]


@pytest.mark.postgres
def test_statements_are_planned_for_their_values_however_often_they_run(pg: Database) -> None:
    # psycopg prepares a statement run five times; PostgreSQL's generic plan for it would not know how rare
    # the searched words are (measured: index reads ten times slower).
    with pg.transaction() as session:
        assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


def test_typo_correction_offers_the_closest_words_one_typo_first(db: Database) -> None:
    texts = ["Shipment delayed at the depot"] * 3 + ["Two shipments lost", "Deliveries resumed",
                                                    "Late delivery again", "Delivery slot moved"]
    with db.transaction() as session:
        index_new_messages(session, [(SourceMessage("C0TYPOS", f"{1_760_000_000 + n}.000000", "U0TYPOS", t), None)
                                     for n, t in enumerate(texts)], now=NOW)
    with db.transaction() as session:
        speller = Speller()
        speller.refresh(session)

        def offered(word: str, more_than: int = 0) -> list[tuple[str, int, int]]:
            return [(s.term, s.distance, s.entries) for s in speller.suggest(session, word, more_than=more_than)]

        assert offered("shipmnt") == [("shipment", 1, 3)]                 # a long word: by its first 3 letters
        assert offered("hsipment") == [("shipment", 1, 3)]                # ... or its last 3
        assert offered("shipmentz") == [("shipment", 1, 3), ("shipments", 1, 1)]  # commonest first
        assert offered("shpmnt") == [("shipment", 2, 3)]                  # two typos, when none is one away
        assert offered("deliverys") == [("delivery", 1, 2)]               # not "deliveries", two away
        assert offered("shipmnt", more_than=3) == []                      # not common enough to offer
        assert offered("shipment") == [("shipments", 1, 1)]               # never the word itself


def test_a_search_learns_the_words_indexed_since_the_last_one_in_its_first_statement(db: Database) -> None:
    with db.transaction() as session:
        engine, _ = SearchEngine.for_session(session, load_synonyms())  # loads an empty vocabulary
        index_message(session, SourceMessage("C0LEARN", "1760000000.000000", "U0LEARN",
                                             "Courier rerouted the pallet via the north depot"), now=NOW)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    from sqlalchemy import event
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.reading() as session:
            query = parse_query("rerouted", zone=UTC)
            page = engine.search(session, query, Filters())
            first = statements[0]
            statements.clear()
            typo = engine.search(session, parse_query("reroutd", zone=UTC), Filters())
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    newest = page.hits[0].entry.id
    assert page.upto_id == newest  # pinned to the newest entry by the same statement that counted the words
    assert "knowledge_terms" in first and "max(knowledge_entries.id)" in first
    assert typo.corrected == {"reroutd": "rerouted"} and [h.entry.id for h in typo.hits] == [newest]
    assert not any("knowledge_terms.id >" in s for s in statements[1:])  # learned once, in the first statement
