"""People and organizations the knowledge base does not know yet, found by natasha's NER.

natasha ships its Russian news NER model inside the wheel, so this works offline. A person
is named by the dictionary form of each word («Сэма Альтмана» -> «Сэм Альтман»); later
mentions by surname alone («Альтман», «Альтмана») point to the full name the article used.
An organization is learned only when it is written in Latin script or in quotes-free
capitalised words the gazetteer does not know, since Russian NER also tags generic phrases
(«Совет директоров», «СМИ»).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.extract.matcher import ORGANIZATION, PERSON, EntityMatcher
from kb.names import alias_key, lemma, tokenize

_NAME_WORD = re.compile(r"^[А-ЯЁA-Z][а-яёa-z'’-]+$")
_LATIN_ORG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9&:.\- ]*[A-Za-z0-9]$")


@dataclass(frozen=True)
class NamedSpan:
    type: str  # "PER" or "ORG"
    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _tagger():
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def named_spans(text: str) -> list[NamedSpan]:
    """natasha's PER and ORG spans in ``text``."""
    from natasha import Doc

    segmenter, tagger = _tagger()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    return [NamedSpan(s.type, text[s.start : s.stop], s.start, s.stop) for s in doc.spans if s.type in ("PER", "ORG")]


def person_name(words: list[str]) -> str:
    """The dictionary form of a person's name: «Сэма Альтмана» -> «Сэм Альтман»."""
    return " ".join(_name_word(w) for w in words)


def _name_word(word: str) -> str:
    if not re.search("[а-яё]", word, re.IGNORECASE):
        return word
    base = lemma(word)
    # pymorphy folds some surnames to another word («Мурати» stays, «Брокмана» -> «брокман»);
    # keep the written form when the lemma is not a prefix-preserving reduction of it.
    if not base or base[:3] != alias_key(word)[:3]:
        return word
    return base[:1].upper() + base[1:]


def learn_people_and_organizations(text: str, matcher: EntityMatcher) -> None:
    """Teach the (per-article) matcher the people and organizations natasha finds in ``text``."""
    surnames: dict[str, object] = {}
    spans = named_spans(text)
    for span in spans:
        words = [t.text for t in tokenize(span.text)]
        if span.type == "PER" and len(words) >= 2 and all(_NAME_WORD.match(w) for w in words):
            known = [ref for ref in matcher.refs_for(alias_key(span.text)) if ref.is_person]
            lemma_key = "".join(lemma(w) for w in words)
            known = known or [ref for ref in matcher.refs_for(lemma_key) if ref.is_person]
            ref = known[0] if known else matcher.learn(PERSON, person_name(words), [span.text])
            surnames[lemma(words[-1])] = ref
        elif span.type == "ORG" and _LATIN_ORG.match(span.text) and not matcher.refs_for(alias_key(span.text)):
            matcher.learn(ORGANIZATION, span.text, [span.text])
    # Surnames alone name the person the article introduced with a full name.
    for span in spans:
        words = [t.text for t in tokenize(span.text)]
        if span.type == "PER" and len(words) == 1 and lemma(words[0]) in surnames:
            matcher.add_local_form(span.text, surnames[lemma(words[0])])
    for surname, ref in surnames.items():
        matcher.add_local_form(surname, ref)
