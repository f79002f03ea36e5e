"""One article as the extraction steps see it: its sentences, their words with morphology and
syntax, and the layers each step adds (entities, dates, event frames).

The steps of ``kb.extract.pipeline`` each take a ``Document`` and add one layer, as spaCy's
and natasha's pipelines do; a layer is read by the steps after it, never rewritten by them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from kb.dates import ResolvedDate

if TYPE_CHECKING:
    from kb.extract.matcher import EntityMatcher, EntityMention
    from kb.lexicon import Lexicon, Trigger

# Universal Dependencies relations that open a clause of their own under their head: a date
# or a name inside one belongs to that clause, not to the clause above it.
CLAUSE_RELATIONS = frozenset({"acl", "acl:relcl", "advcl", "ccomp", "csubj", "parataxis", "conj"})


@dataclass(frozen=True)
class NamedSpan:
    """A name natasha's NER tagger found in the body: a person (PER), an organization (ORG) or a place (LOC)."""

    type: str
    text: str
    start: int  # offsets in the body
    end: int


@dataclass(slots=True)
class Word:
    """A word of a sentence (punctuation is left out; it never heads a word in UD trees)."""

    text: str
    start: int  # offsets in the text the sentence belongs to (the headline or the body)
    end: int
    key: str  # ``kb.names.alias_key`` of the text
    lemma: str  # ``kb.names.lemma`` of the text
    pos: str = ""  # Universal POS tag from natasha's morphology tagger
    feats: dict[str, str] = field(default_factory=dict)  # UD features: Tense, Mood, Case …
    head: int = -1  # index of the head word in the sentence, -1 for the root
    rel: str = ""  # UD relation to the head

    @property
    def is_verb(self) -> bool:
        return self.pos in ("VERB", "AUX")

    @property
    def is_finite_or_participle(self) -> bool:
        return self.is_verb and self.feats.get("VerbForm") in ("Fin", "Part", None)


@dataclass
class Sentence:
    """A sentence of the body (``index`` ≥ 0) or the headline (``index`` -1)."""

    index: int
    start: int  # offsets in the body (in the headline for index -1)
    end: int
    tokens: list[Word]
    gaps: list[str]  # gaps[i]: the text between word i-1 and word i (clause boundaries)
    entities: list[EntityMention] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    dates: list[ResolvedDate] = field(default_factory=list)
    comparison_from: int = 0  # word index of the first comparison cue, or len(tokens)
    cites_source: bool = False  # «как сообщает …», «по данным …»
    subordinate: list[tuple[int, int]] = field(default_factory=list)  # word ranges of subordinate clauses

    @property
    def is_headline(self) -> bool:
        return self.index < 0

    def children(self, index: int) -> list[int]:
        return [i for i, word in enumerate(self.tokens) if word.head == index]

    def ancestors(self, index: int) -> list[int]:
        """The heads above word ``index``, nearest first (a cycle, which a parser may give, ends the walk)."""
        chain, seen = [], {index}
        head = self.tokens[index].head
        while head >= 0 and head not in seen:
            chain.append(head)
            seen.add(head)
            head = self.tokens[head].head
        return chain

    def clause_head(self, index: int) -> int:
        """The word that heads the clause word ``index`` stands in: the first word at or above it
        joined to its own head by a clause relation, or the root."""
        current = index
        for head in [index, *self.ancestors(index)]:
            current = head
            if self.tokens[head].rel in CLAUSE_RELATIONS or self.tokens[head].head < 0:
                return head
        return current

    def words_between(self, start: int, end: int) -> list[int]:
        """The words that lie within characters [start, end) of the sentence's text."""
        return [i for i, word in enumerate(self.tokens) if word.start >= start and word.end <= end]


@dataclass
class Document:
    """An article and every layer the extraction steps have added to it."""

    title: str
    text: str
    published: date | None
    matcher: EntityMatcher
    lexicon: Lexicon
    sentences: list[Sentence] = field(default_factory=list)  # the headline first, if there is one
    names: list[NamedSpan] = field(default_factory=list)  # natasha's NER spans in the body

    def source(self, sentence: Sentence) -> str:
        """The text a sentence's offsets index: the headline's or the body's."""
        return self.title if sentence.is_headline else self.text

    @property
    def body(self) -> list[Sentence]:
        return [s for s in self.sentences if not s.is_headline]

    def sentence_at(self, offset: int) -> Sentence | None:
        """The body sentence that holds character ``offset`` of the body."""
        return next((s for s in self.sentences if not s.is_headline and s.start <= offset < s.end), None)
