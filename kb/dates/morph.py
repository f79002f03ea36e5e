"""Morphology for the one word whose role decides whether it is a date: «накануне».

«Накануне компания объявила…» is an adverb (the day before); «накануне выборов» is a
preposition (on the eve of something whose date is not given) and is not a date.
"""

from __future__ import annotations

import re
from functools import lru_cache

_NEXT_WORD = re.compile(r"\s+([а-яё]+)", re.IGNORECASE)
_NEXT_NUMBER = re.compile(r"\s+\d")
_GOVERNED = {"NOUN", "ADJF", "PRTF", "NPRO", "NUMR"}


@lru_cache(maxsize=1)
def _analyzer():
    import pymorphy3  # loaded only when «накануне» is followed by a word

    return pymorphy3.MorphAnalyzer()


def governs_noun(text: str, position: int) -> bool:
    """Whether the word at ``position`` (just after «накануне») is its genitive object."""
    if _NEXT_NUMBER.match(text, position):
        return True
    m = _NEXT_WORD.match(text, position)
    if not m:
        return False
    best = _analyzer().parse(m.group(1))[0]
    return best.tag.POS in _GOVERNED and best.tag.case == "gent"
