"""Text as the index sees it: folded to lowercase words without accents, in any script, the same way for
entries and queries.

Both full-text engines get this normalised text, so SQLite and PostgreSQL tokenise the same words, and
the rerank compares like with like. Every script is kept: "Задержка доставки" and "καθυστέρηση" are
words (accents go, so "καθυστερηση" and "cafe" find "καθυστέρηση" and "café"); Chinese and Japanese, which
have no spaces between words, are indexed as overlapping pairs of characters ("配送の遅延" -> 配送 送の の遅
遅延), so any exact run of two or more of their characters finds the entry. A few words an English
stemmer would merge with a different word keep their own form ("customer" is not "customs", see PINNED). `stem` is a light English suffix stripper used only for ranking
("deliveries" and "delivered" count as a match for "delivery"); the engines stem with their own
Porter/Snowball stemmers when they match.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")         # letters and digits of any script
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
# Scripts written without spaces between words: Han, Hiragana, Katakana (and their half-width forms).
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+")

# Words Porter/Snowball English (FTS5's porter tokenizer, PostgreSQL's english configuration) would stem to
# another word's stem: "customer" and "customers" become "custom", as "customs" does. Indexed and queried
# in a form the stemmers leave alone; `display_word` turns it back.
PINNED = {"customer": "customerz", "customers": "customerz"}
_UNPINNED = {pinned: word for word, pinned in PINNED.items() if word == pinned[:-1]}

# Words too common to narrow a search. Dropped from queries (never from the index, so phrases still match).
STOPWORDS = frozenset("""
a about after again all also an and any are as at be because been before being but by can could did do
does doing for from had has have having he her here him his how i if in into is it its just me more most my
no nor not now of off on once only or other our out over own same she should so some such than that the
their them then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your
""".split())

# Terms the vocabulary keeps for typo correction: plain words, not numbers or order references.
MIN_TERM, MAX_TERM = 3, 32


def fold(text: str) -> str:
    """Lowercase, accents removed (café -> cafe, καθυστέρηση -> καθυστερηση), every script kept."""
    if text.isascii():  # most text: nothing to decompose (3x faster than the general path)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _pairs(run: str) -> str:
    """A run of unspaced script as overlapping pairs of characters: an exact run of 2+ finds it."""
    if len(run) < 2:
        return run
    return " ".join(run[i:i + 2] for i in range(len(run) - 1))


def normalize(text: str) -> str:
    """Words separated by single spaces: what is indexed and what the rerank compares."""
    folded = fold(text)
    if folded.isascii():
        normalized = _NOT_ASCII_WORD.sub(" ", folded).strip()
    else:
        spaced = _UNSPACED.sub(lambda m: f" {_pairs(m.group())} ", folded)
        normalized = _NOT_WORD.sub(" ", spaced).strip()
    if "customer" in normalized:  # the only PINNED words' common start: the join is skipped otherwise
        normalized = " ".join(PINNED.get(w, w) for w in normalized.split())
    return normalized


def words(text: str) -> list[str]:
    return normalize(text).split()


def display_word(word: str) -> str:
    """A normalised word as a person reads it ("customerz" -> "customer")."""
    return _UNPINNED.get(word, word)


def vocabulary_terms(normalized: str) -> set[str]:
    """The distinct words of an entry that typo correction may suggest."""
    return {w for w in normalized.split() if MIN_TERM <= len(w) <= MAX_TERM and w.isalpha()}


_SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


def facet(name: str, value: str) -> str:
    """A filter value as one word of the full-text index: facet("cause", "stock-out") == "causestockout".
    The migration 0008_knowledge_facets builds the same words in SQL."""
    return name + _NOT_ASCII_WORD.sub("", value.lower())


def entry_facets(kind: str, cause: str | None, channel_id: str | None, author_id: str | None) -> str:
    values = [("kind", kind), ("cause", cause), ("chan", channel_id), ("user", author_id)]
    return " ".join(facet(name, value) for name, value in values if value)


def counted_facet(word: str) -> str:
    """The vocabulary row counting the entries that hold a filter word: "~causestockout". The "~" keeps it
    apart from real words (letters only), which typo correction suggests; 40 characters is the column's
    width, and a longer filter value only shares its count with another (the count is an estimate)."""
    return ("~" + word)[:40]


def counted_facets(index_facets: str) -> set[str]:
    return {counted_facet(w) for w in index_facets.split()}


_ENGLISH = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65_536)
def lexeme(word: str) -> str:
    """The word's English Snowball stem, as PostgreSQL's English configuration indexes it but for a few
    words where the releases differ ("added": "add" here, "ad" in PostgreSQL 15) - good for estimates; the
    server's own lexemes decide what a query names (backends.PostgresFullText.prepare). Pure Python, about
    0.03 ms a word, so cached. "cancel", "cancelled" and "canceling" are all "cancel"."""
    return str(_ENGLISH.stemWord(word))


def stem(word: str) -> str:
    """A light, deterministic stem for ranking: delivery/deliveries/delivered -> deliver."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith(("y", "e")) and len(word) > 4:
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # stopped -> stopp -> stop
    return word


def stems(normalized: str) -> set[str]:
    return {stem(w) for w in normalized.split()}


def significant(tokens: Iterable[str]) -> list[str]:
    """Tokens that narrow a search, in order, without repeats."""
    seen: set[str] = set()
    out = []
    for token in tokens:
        if token in STOPWORDS or token in seen:
            continue
        seen.add(token)
        out.append(token)
    return out
