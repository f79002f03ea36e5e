"""The trigger lexicon (``kb/data/triggers.toml``): which lemmas signal which kind of event."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from kb.models import EventKind
from kb.names import Token, alias_key


@dataclass(frozen=True)
class Trigger:
    kind: EventKind
    token_index: int  # first token of the trigger in its sentence
    lemma: str
    receiver_first: bool


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, EventKind]
    phrases: dict[tuple[str, ...], EventKind]
    receiver_first: frozenset[str]
    comparison: frozenset[str]
    background: frozenset[str]
    negation: frozenset[str]
    reporting: frozenset[str]
    hedge: frozenset[str]
    plan: frozenset[str]
    third_party: frozenset[str]
    circumstance: frozenset[str]
    recall: frozenset[str]
    technology: frozenset[str]
    presentation: frozenset[str]
    statements: frozenset[str]
    demand: frozenset[str]
    promise: frozenset[str]
    limited_access: frozenset[str]
    court_verbs: frozenset[str]
    needs_regulator: frozenset[str]
    holding: frozenset[str]
    availability: frozenset[str]
    available_now: frozenset[str]
    total: frozenset[str]
    departure: frozenset[str]
    investors_only: frozenset[str]

    def triggers(self, tokens: list[Token]) -> list[Trigger]:
        """Event triggers among a sentence's tokens, longest phrase first, in order.

        A phrase's words stand in a row (a short gap allowed) or, when the tokens carry a
        dependency parse (``head``), hang together in it wherever they stand («заключила с
        Character.AI неэксклюзивное соглашение»).
        """
        found: list[Trigger] = []
        lemmas = [t.lemma for t in tokens]
        heads = [getattr(t, "head", -1) for t in tokens]
        taken: set[int] = set()
        i = 0
        while i < len(lemmas):
            if i in taken:
                i += 1
                continue
            for phrase, kind in self.phrases.items():
                words = _phrase_words(lemmas, heads, i, phrase)
                if words is not None:
                    joined = " ".join(phrase)
                    found.append(Trigger(kind, i, joined, joined in self.receiver_first))
                    taken.update(words)
                    break
            else:
                kind = self.words.get(lemmas[i])
                # «представляет собой»: is, not presents.
                if kind is not None and not (i + 1 < len(lemmas) and lemmas[i + 1] == "себя"):
                    found.append(Trigger(kind, i, lemmas[i], lemmas[i] in self.receiver_first))
            i += 1
        return found


# Words a phrase may have between two of its own («обязанности гендиректора возложены»).
PHRASE_GAP = 1


def _phrase_words(lemmas: list[str], heads: list[int], i: int, phrase: tuple[str, ...]) -> list[int] | None:
    """The word indices of ``phrase`` when it starts at ``i``; None if it does not."""
    if lemmas[i] != phrase[0]:
        return None
    return _phrase_in_a_row(lemmas, i, phrase) or _phrase_in_the_tree(lemmas, heads, i, phrase)


def _phrase_in_a_row(lemmas: list[str], i: int, phrase: tuple[str, ...]) -> list[int] | None:
    words = [i]
    position = i + 1
    for word in phrase[1:]:
        while position < len(lemmas) and lemmas[position].isdigit():
            position += 1  # «привлёк 1,3 млрд»: a number is no word between
        window = lemmas[position : position + PHRASE_GAP + 1]
        if word not in window:
            return None
        position += window.index(word)
        words.append(position)
        position += 1
    return words


def _phrase_in_the_tree(lemmas: list[str], heads: list[int], i: int, phrase: tuple[str, ...]) -> list[int] | None:
    """A two-word phrase whose second word depends on the first («заключила … соглашение») or
    the first on the second («соглашение … заключено»): head and dependent, however far apart."""
    if len(phrase) != 2 or heads[i] == -1 and not any(h == i for h in heads):
        return None
    linked = [j for j in range(len(lemmas)) if lemmas[j] == phrase[1] and (heads[j] == i or heads[i] == j)]
    return [i, linked[0]] if linked else None


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The bundled trigger lexicon."""
    data = tomllib.loads(files("kb").joinpath("data/triggers.toml").read_text(encoding="utf-8"))
    cues = data.pop("cues")
    words: dict[str, EventKind] = {}
    phrases: dict[tuple[str, ...], EventKind] = {}
    receiver_first: set[str] = set()
    for kind_name, entry in data.items():
        kind = EventKind(kind_name)
        words.update({alias_key(w): kind for w in entry.get("words", [])})
        phrases.update({tuple(alias_key(w) for w in p.split()): kind for p in entry.get("phrases", [])})
        receiver_first.update(" ".join(alias_key(w) for w in p.split()) for p in entry.get("receiver_first", []))
    # Longer phrases first, so that "подать в суд" wins over a shorter overlapping one.
    phrases = dict(sorted(phrases.items(), key=lambda item: -len(item[0])))
    return Lexicon(
        words=words,
        phrases=phrases,
        receiver_first=frozenset(receiver_first),
        **{name: frozenset(alias_key(w) for w in cues[name]) for name in ("comparison", "background", "negation", "reporting", "hedge", "plan", "third_party", "circumstance", "total", "recall", "technology", "presentation", "availability", "available_now", "statements", "demand", "promise", "limited_access")},
        departure=frozenset(" ".join(alias_key(w) for w in p.split()) for p in data["personnel"].get("departure", [])),
        court_verbs=frozenset(alias_key(w) for w in data["lawsuit"].get("court_verbs", [])),
        holding=frozenset(alias_key(w) for w in data["personnel"].get("holding", [])),
        needs_regulator=frozenset(alias_key(w) for w in data["regulation"].get("needs_regulator", [])),
        investors_only=frozenset(" ".join(alias_key(w) for w in p.split()) for p in data["investment"].get("investors_only", [])),
    )
