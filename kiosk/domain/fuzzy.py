"""Typo-tolerant matching of what a citizen typed against a small set of documents (the catalog's services).

The store's full-text search finds every word as a prefix; a citizen who types "pajek" or "akte lahir" gets
nothing from it. This index is the fallback: each typed word may match a catalog word as

* a prefix ("kenda" in "kendaraan"), the best,
* a part of a longer word ("lahir" in "kelahiran"),
* a prefix with one typo (two in long words): a wrong, missing, extra or swapped letter ("pajek", "akte").

Every typed word must match somewhere in a document, as in the exact search, so adding a word narrows the
list instead of widening it. Documents are ranked by the sum over the typed words of the best match's
quality times the weight of the field it was found in; ties keep the order the documents were given in.

The index is built once per catalog (a few thousand distinct words) and is cheap to query: a word's
candidates come from the catalog words that share enough of its trigrams, and only those are compared
letter by letter. It keeps nothing of what was typed.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
# Marks a word's start, so that "akxa" still finds "akta" through "^ak".
_START = "\x02"

# How good a match of one typed word is. A whole word beats a prefix of a longer one ("pajak" the word
# before "pajaknya"); any exact prefix beats a word part, which beats a typo.
WHOLE_WORD = 1.0
PREFIX = 0.95
INSIDE = 0.75
ONE_TYPO = 0.6
TWO_TYPOS = 0.4
FIRST_LETTER = 0.05  # taken off a typo match that does not start with the typed word's first letter

MAX_QUERY_WORDS = 12


def fold(text: str) -> str:
    """Lower case without accents: "Laboratórium" and "laboratorium" are the same word."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def typos_allowed(word: str) -> int:
    """Short words tolerate no typo (three letters with one wrong match half the catalog)."""
    n = len(word)
    return 0 if n < 4 else 1 if n < 8 else 2


def prefix_distance(typed: str, word: str, limit: int) -> int:
    """The fewest edits (replace, insert, delete, swap two neighbours) that turn ``typed`` into some prefix of
    ``word``; ``limit + 1`` when it takes more than ``limit``.

    The end of ``word`` is free, since the citizen is still typing: "kendr" is one edit from "kenda...".
    """
    n = len(typed)
    m = min(len(word), n + limit)
    if n == 0:
        return 0
    word = word[:m]
    over = limit + 1
    # Optimal string alignment distance, row by row, with the two previous rows kept for swaps.
    prev2: list[int] = []
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        a = typed[i - 1]
        row_min = i
        for j in range(1, m + 1):
            b = word[j - 1]
            cost = 0 if a == b else 1
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a == word[j - 2] and typed[i - 2] == b and a != b:
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
            row_min = min(row_min, best)
        if row_min > limit:
            return over
        prev2, prev = prev, cur
    return min(min(prev), over)  # any prefix of ``word``: the best over the last row


def _grams(word: str) -> set[str]:
    padded = _START + word
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True, slots=True)
class Match:
    """One document found: its position in the list the index was built from, and its score."""

    index: int
    score: float


class FuzzyIndex:
    """Words of ``docs`` (one list of ``(text, weight)`` fields per document), ready for tolerant search."""

    def __init__(self, docs: Sequence[Iterable[tuple[str, float]]]) -> None:
        # word -> {document: the best weight of a field holding that word}
        holders: dict[str, dict[int, float]] = defaultdict(dict)
        for doc, fields in enumerate(docs):
            for text, weight in fields:
                for word in words(text):
                    held = holders[word]
                    if held.get(doc, 0.0) < weight:
                        held[doc] = weight
        self._vocab = sorted(holders)
        self._holders = [tuple(holders[w].items()) for w in self._vocab]
        by_gram: dict[str, list[int]] = defaultdict(list)
        for wid, word in enumerate(self._vocab):
            for gram in _grams(word):
                by_gram[gram].append(wid)
        self._by_gram = {g: tuple(ids) for g, ids in by_gram.items()}
        self._size = len(docs)

    def __len__(self) -> int:
        return self._size

    def word_matches(self, typed: str) -> dict[int, float]:
        """Catalog words (by id) that ``typed`` may mean, with the quality of each match."""
        vocab = self._vocab
        found: dict[int, float] = {}
        # Exact prefixes: a run of the sorted vocabulary.
        start = bisect.bisect_left(vocab, typed)
        end = bisect.bisect_left(vocab, typed + "\U0010ffff", start)
        for wid in range(start, end):
            found[wid] = WHOLE_WORD if vocab[wid] == typed else PREFIX
        if len(typed) < 3:
            return found  # one or two letters: a prefix or nothing
        # A word typed as it is spelt is not a typo of another word: "pengaduan" must not also find
        # "pengadaan". Word parts still count ("lahir" is in "kelahiran" and prefixes "lahiran").
        limit = 0 if found else typos_allowed(typed)
        grams = _grams(typed)
        shared: dict[int, int] = {}
        for gram in grams:
            for wid in self._by_gram.get(gram, ()):
                shared[wid] = shared.get(wid, 0) + 1
        # A typo spoils at most three or four of the word's trigrams; a candidate sharing fewer than a third
        # of them is not worth comparing letter by letter (the comparison is what costs).
        need = max(1, -(-len(grams) // 3))
        n = len(typed)
        for wid, count in shared.items():
            if wid in found:
                continue
            word = vocab[wid]
            if n >= 4 and count >= len(grams) - 1 and typed in word:  # all but the start mark
                found[wid] = INSIDE
            elif limit and count >= need and len(word) >= n - limit:
                d = prefix_distance(typed, word, limit)
                if d <= limit:
                    # People rarely miss the first letter: "baik" is "balik" before it is "laik".
                    found[wid] = (ONE_TYPO if d == 1 else TWO_TYPOS) - (0 if word[0] == typed[0] else FIRST_LETTER)
        return found

    def search(self, text: str, limit: int = 30) -> list[Match]:
        """Documents matching every typed word, best first; equal scores in the documents' own order."""
        typed = words(text)[:MAX_QUERY_WORDS]
        if not typed:
            return []
        scores: dict[int, float] | None = None
        for word in typed:
            per_doc: dict[int, float] = {}
            for wid, quality in self.word_matches(word).items():
                for doc, weight in self._holders[wid]:
                    s = quality * weight
                    if per_doc.get(doc, 0.0) < s:
                        per_doc[doc] = s
            if scores is None:
                scores = per_doc
            else:
                scores = {doc: total + per_doc[doc] for doc, total in scores.items() if doc in per_doc}
            if not scores:
                return []
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [Match(doc, score) for doc, score in ranked[:limit]]
