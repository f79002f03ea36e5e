"""How names are compared: alias keys, word tokens and Russian lemmas.

Russian media decorate and inflect names («Meta✴», «Яндекса», «LLaMa»); an alias key folds
case, punctuation, spacing and such marks away, and a lemma key undoes the inflection.

>>> alias_key("Meta✴")
'meta'
>>> alias_key("LLaMA-7B") == alias_key("LLaMA 7B")
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3

# A word: letters/digits, possibly joined by '-', '.', '+' or ':' inside ("GPT-3.5", "o1-preview",
# "24.02.2023", "Run:ai"). Marks such as '✴' and quotes are not part of words.
_WORD = re.compile(r"\w+(?:[-.+:]\w+)*")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def alias_key(text: str) -> str:
    """Fold a name for matching: NFKC, case-folded, ё as е, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return "".join(ch for ch in folded if ch.isalnum())


@lru_cache(maxsize=1)
def morph_analyzer() -> pymorphy3.MorphAnalyzer:
    """The shared pymorphy3 analyzer (loading it takes a while)."""
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of a Russian word, folded like an alias key; other words as keys.

    >>> lemma("Яндекса"), lemma("утекли"), lemma("GPT-4")
    ('яндекс', 'утечь', 'gpt4')
    """
    key = alias_key(word)
    if not _CYRILLIC.search(word) or not key.isalpha():
        return key
    return alias_key(morph_analyzer().parse(word.lower())[0].normal_form)


@lru_cache(maxsize=50_000)
def is_future_tense(word: str) -> bool:
    """Whether a Russian verb form speaks of the future («выпустит», «станет», «будет»).

    >>> is_future_tense("станет"), is_future_tense("стала")
    (True, False)
    """
    return _CYRILLIC.search(word) is not None and "futr" in morph_analyzer().parse(word.lower())[0].tag


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int  # offsets in the text the token was cut from
    end: int
    key: str
    lemma: str


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Words of ``text`` with offsets shifted by ``offset``.

    >>> [t.text for t in tokenize("Meta✴ выпустила LLaMA-7B.")]
    ['Meta', 'выпустила', 'LLaMA-7B']
    """
    return [
        Token(m.group(), m.start() + offset, m.end() + offset, alias_key(m.group()), lemma(m.group()))
        for m in _WORD.finditer(text)
    ]
