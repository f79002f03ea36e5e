"""People and organizations the knowledge base does not know yet, found by natasha's NER.

natasha ships its Russian news NER model inside the wheel, so this works offline. A person
is named by the dictionary form of each word («Сэма Альтмана» -> «Сэм Альтман»); later
mentions by surname alone («Альтман», «Альтмана») point to the full name the article used.
An organization is learned only when it is written in Latin script and the gazetteer does
not know it, since the NER also tags generic Russian phrases («Совет директоров», «СМИ»).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from kb.extract.matcher import ORGANIZATION, PERSON, EntityMatcher
from kb.names import alias_key, morph_analyzer, tokenize

_NAME_WORD = re.compile(r"^[А-ЯЁA-Z][а-яёa-z'’-]+$")
_LATIN_ORG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9&:.\- ]*[A-Za-z0-9]$")
_COMPANY_NOUNS = {
    "компания", "стартап", "фонд", "фирма", "корпорация", "организация", "производитель",
    "инвестор", "холдинг", "лаборатория", "платформа", "сервис", "фотобанк",
}
_COMPANY_WORDS = {"Inc", "Inc.", "Labs", "Ventures", "Partners", "Capital", "Holding", "Holdings", "Group", "Technologies", "Research", "Management"}


@dataclass(frozen=True)
class NamedSpan:
    type: str  # "PER" or "ORG"
    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _tagger():
    # natasha's matrices are small: BLAS threads only contend (3.5x the CPU per article).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
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


def same_word(a: str, b: str) -> bool:
    """Whether two written forms are one name in different cases («Альтман», «Альтманом»)."""
    a, b = alias_key(a), alias_key(b)
    common = len(os.path.commonprefix([a, b]))
    return common >= 3 and common >= min(len(a), len(b)) - 2


def same_name(a: str, b: str) -> bool:
    """Whether two full names are one person's in different cases («Миру Мурати», «Мира Мурати»)."""
    words_a, words_b = a.split(), b.split()
    return len(words_a) == len(words_b) and all(same_word(x, y) for x, y in zip(words_a, words_b))


def nominative(forms: list[str]) -> str:
    """The dictionary form among the forms an article uses for one name word.

    The nominative of a name is its shortest form («Альтман» of «Альтмана», «Альтманом»),
    and pymorphy offers it when the article never writes it («Сэма» -> «Сэм»); it is only
    trusted when it is shorter, since it mangles foreign names («Суцкевер» -> «Суцкеверы»).
    """
    candidates = list(forms)
    for form in forms:
        inflected = _inflected_name(form)
        if inflected and len(inflected) < len(form):
            candidates.append(inflected)
    return min(candidates, key=len)


def _inflected_name(word: str) -> str | None:
    if not re.search("[а-яё]", word, re.IGNORECASE):
        return None
    for parse in morph_analyzer().parse(word):
        if {"Name", "Surn"} & set(str(parse.tag).replace(" ", ",").split(",")):
            nominative_form = parse.inflect({"nomn"})
            if nominative_form is not None:
                return nominative_form.word[:1].upper() + nominative_form.word[1:]
    return None


def _is_new_organization(text: str, span: NamedSpan, matcher: EntityMatcher) -> bool:
    # Products and events are tagged ORG too («Azure», «WWDC»); a company is introduced as
    # one («стартап MosaicML», «фонд Sequoia Capital») or carries a company-like word.
    if not _LATIN_ORG.match(span.text) or matcher.refs_for(alias_key(span.text)):
        return False
    before = tokenize(text[max(0, span.start - 40) : span.start])
    introduced = bool(before) and before[-1].lemma in _COMPANY_NOUNS
    return introduced or any(word in _COMPANY_WORDS for word in span.text.split()[1:])


def learn_people_and_organizations(text: str, matcher: EntityMatcher) -> None:
    """Teach the (per-article) matcher the people and organizations natasha finds in ``text``."""
    spans = named_spans(text)
    people: list[list[list[str]]] = []  # per person: the forms of each name word
    mentions: list[tuple[int, str]] = []  # (person index, written form)
    for span in spans:
        words = [t.text for t in tokenize(span.text)]
        if span.type == "ORG":
            if _is_new_organization(text, span, matcher):
                matcher.learn(ORGANIZATION, span.text, [span.text])
            continue
        if not words or len(words) > 3 or not all(_NAME_WORD.match(w) for w in words):
            continue
        index = next((i for i, forms in enumerate(people) if any(same_word(words[-1], f) for f in forms[-1])), None)
        if index is None:
            if len(words) < 2:
                continue  # a surname alone, before any full name: not enough to know who
            people.append([[w] for w in words])
            index = len(people) - 1
        elif len(words) == len(people[index]):
            for forms, word in zip(people[index], words):
                if word not in forms:
                    forms.append(word)
        elif len(words) == 1 and words[0] not in people[index][-1]:
            people[index][-1].append(words[0])
        mentions.append((index, span.text))
    refs = []
    for forms in people:
        name = " ".join(nominative(word_forms) for word_forms in forms)
        known = [ref for ref in matcher.refs_for(alias_key(name)) if ref.is_person] or [
            ref for ref, other in matcher.names.items() if ref.is_person and same_name(other, name)
        ]
        refs.append(known[0] if known else matcher.learn(PERSON, name, []))
    for index, written in mentions:
        ref = refs[index]
        if ref.is_new and len(written.split()) > 1:
            matcher.learn(PERSON, matcher.names[ref], [written])  # full names are kept as aliases
        matcher.add_local_form(written, ref)
