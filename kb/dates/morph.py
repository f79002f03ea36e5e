"""Morphology for words whose role decides whether they are dates.

«Накануне компания объявила…» is an adverb (the day before); «накануне выборов» is a
preposition (on the eve of something whose date is not given) and is not a date.
Likewise «в среду компания…» is a Wednesday, «в среду разработки» an environment.
"""

from __future__ import annotations

import re
from functools import lru_cache

_NEXT_WORD = re.compile(r"\s+([а-яё]+)", re.IGNORECASE)
_NEXT_NUMBER = re.compile(r"\s+\d")
_GOVERNED = {"NOUN", "ADJF", "PRTF", "NPRO", "NUMR"}
_MIN_SCORE = 0.05


@lru_cache(maxsize=1)
def _analyzer():
    import pymorphy3  # loaded only when «накануне» is followed by a word

    return pymorphy3.MorphAnalyzer()


def governs_noun(text: str, position: int) -> bool:
    """Whether the word at ``position`` (just after «накануне» or «среду») is governed by it.

    A number or a possibly genitive noun or adjective right after the word means it is a
    preposition (or a noun with its own genitive attribute), not a date.
    """
    if _NEXT_NUMBER.match(text, position):
        return True
    m = _NEXT_WORD.match(text, position)
    if not m:
        return False
    # Any likely genitive reading counts: «презентации» is read as locative first,
    # while «в» has a genitive abbreviation reading of score 0.
    return any(p.tag.POS in _GOVERNED and p.tag.case == "gent" and p.score >= _MIN_SCORE
               for p in _analyzer().parse(m.group(1)))
