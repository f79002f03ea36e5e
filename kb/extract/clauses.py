"""A sentence's clauses as its punctuation and conjunctions mark them.

Two cuts, each read where the other fails (the dependency parser errs on long sentences,
punctuation does not lie about where a clause starts):

- ``coordinate_clauses``: coordinate clauses, cut at «;», dashes and colons, and at a comma before a
  conjunction or relative word («…, а Meta выпустила …»). Each event mention is scoped to
  the clauses of its trigger.
- ``subordinate_segments``: stretches set off by commas (or dashes, brackets) that open with a
  relative word («, который …», «, где …», «, о сделке которой …») or a participle or gerund
  («, основанный в 2017 году …,»). What stands in one belongs to its own predicate: its date
  does not date the sentence's event, its names take no part in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.extract.document import Document, Sentence

if TYPE_CHECKING:
    from kb.lexicon import Trigger

# Words that open a new coordinate clause after a comma («…, а Meta выпустила …»).
CLAUSE_OPENERS = frozenset({"а", "но", "однако", "и", "который", "что", "когда", "причем", "тогда"})
# Relative words that open a subordinate clause.
RELATIVE_WORDS = frozenset({"который", "где", "куда", "откуда", "чей", "когда"})
# How far into a segment its relative word may stand («, о сделке которой …»).
RELATIVE_WITHIN = 3
_SEGMENT_MARKS = ",;:—–()"


def coordinate_clauses(sentence: Sentence) -> list[tuple[int, int]]:
    """Word ranges [first, last] of a sentence's coordinate clauses."""
    tokens = sentence.tokens
    if not tokens:
        return []
    bounds = [0] + [
        i
        for i in range(1, len(tokens))
        if any(mark in sentence.gaps[i] for mark in ";—–:") or ("," in sentence.gaps[i] and tokens[i].lemma in CLAUSE_OPENERS)
    ]
    # «… перешёл ещё один сооснователь — Джон Шульман»: a name alone after the last dash is
    # the one the clause before it speaks of.
    if len(bounds) > 1 and any(m.first_token == bounds[-1] and m.last_token == len(tokens) - 1 for m in sentence.entities):
        bounds.pop()
    return list(zip(bounds, [b - 1 for b in bounds[1:]] + [len(tokens) - 1]))


def clause_of(ranges: list[tuple[int, int]], index: int) -> int:
    """The position in ``ranges`` of the range that holds word ``index``."""
    return next(i for i, (first, last) in enumerate(ranges) if first <= index <= last)


def clause_scopes(ranges: list[tuple[int, int]], triggers: list[Trigger]) -> dict[Trigger, tuple[int, int]]:
    """Word ranges of each trigger's clauses; a clause without a trigger joins the one before it."""
    homes = {trigger: clause_of(ranges, trigger.token_index) for trigger in triggers}
    with_trigger = [i in homes.values() for i in range(len(ranges))]
    anchors = []
    for i in range(len(ranges)):
        preceding = [j for j in range(i, -1, -1) if with_trigger[j]]
        anchors.append(preceding[0] if preceding else with_trigger.index(True))
    scopes = {}
    for trigger, home in homes.items():
        owned = [ranges[i] for i in range(len(ranges)) if anchors[i] == home]
        scopes[trigger] = (owned[0][0], owned[-1][1])
    return scopes


def subordinate_segments(sentence: Sentence) -> list[tuple[int, int]]:
    """Word ranges [first, last] of the relative, participle and gerund clauses set off by punctuation."""
    tokens = sentence.tokens
    starts = [i for i in range(1, len(tokens)) if any(mark in sentence.gaps[i] for mark in _SEGMENT_MARKS)]
    segments = []
    for first in starts:
        last = next((i - 1 for i in range(first + 1, len(tokens)) if any(m in sentence.gaps[i] for m in _SEGMENT_MARKS)), len(tokens) - 1)
        if _opens_subordinate_clause(sentence, first, last):
            segments.append((first, last))
    return segments


def in_any_segment(sentence: Sentence, index: int) -> bool:
    """Whether word ``index`` stands in a subordinate segment."""
    return any(first <= index <= last for first, last in sentence.subordinate)


def _opens_subordinate_clause(sentence: Sentence, first: int, last: int) -> bool:
    head = sentence.tokens[first]
    if head.feats.get("VerbForm") == "Conv" or (head.feats.get("VerbForm") == "Part" and "Case" in head.feats):
        return True
    return any(word.lemma in RELATIVE_WORDS for word in sentence.tokens[first : min(last, first + RELATIVE_WITHIN - 1) + 1])


def mark_subordinate_clauses(doc: Document) -> None:
    """Give every sentence its ``subordinate`` segments."""
    for sentence in doc.sentences:
        sentence.subordinate = subordinate_segments(sentence)


def in_foreign_segment(sentence: Sentence, index: int, trigger_index: int) -> bool:
    """Whether word ``index`` stands in a subordinate segment that neither holds the trigger nor
    describes it («партнёрства, которое компании начали в 2019 году» describes its trigger)."""
    for first, last in sentence.subordinate:
        if first <= index <= last:
            return not (first <= trigger_index <= last) and trigger_index != first - 1
    return False
