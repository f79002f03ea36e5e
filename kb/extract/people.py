"""People the knowledge base does not know yet, found by natasha's NER.

natasha ships its Russian news NER model inside the wheel, so this works offline. A person
is named by the nominative of each word («Мустафу Сулеймана» -> «Мустафа Сулейман», from the
case the morphology tagger gives, ``kb.extract.inflection``); later mentions by surname alone
(«Альтман», «Альтмана») point to the full name the article used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from kb.extract.document import Document
from kb.extract.inflection import nominative_name_word
from kb.extract.matcher import PERSON, EntityMatcher
from kb.names import alias_key, morph_analyzer, tokenize

_NAME_WORD = re.compile(r"^[А-ЯЁA-Z][а-яёa-z'’-]+$")
# Particles inside foreign names («Даниэль де Фрейтас», «Урсула фон дер Ляйен»).
NAME_PARTICLES = frozenset({"де", "ди", "да", "дю", "фон", "дер", "ван", "ле", "ла", "дель", "бин", "ибн", "аль", "эль"})


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


@dataclass
class _Person:
    forms: list[list[str]]  # per name word: the forms the article writes
    nominals: list[list[str]]  # per name word: its nominatives by the tagger's case, nominative-tagged first

    def add(self, words: list[str], nominals: list[tuple[str, bool]]) -> None:
        for forms, word in zip(self.forms, words):
            if word not in forms:
                forms.append(word)
        for found, (nominal, tagged_nominative) in zip(self.nominals, nominals):
            if nominal in found:
                continue
            # A form written in the nominative is surer than one inflected into it.
            found.insert(0 if tagged_nominative else len(found), nominal)

    @property
    def name(self) -> str:
        return " ".join(found[0] if found else nominative(forms) for forms, found in zip(self.forms, self.nominals))


def learn_people(doc: Document) -> None:
    """Teach the article's matcher the people natasha finds in its body."""
    matcher = doc.matcher
    people: list[_Person] = []
    mentions: list[tuple[int, str]] = []  # (person index, written form)
    for span in doc.names:
        if span.type != "PER":
            continue
        words = [t.text for t in tokenize(span.text)]
        if not _looks_like_a_name(words):
            continue
        nominals = _nominatives(doc, span.start, span.end, words)
        index = next((i for i, p in enumerate(people) if any(same_word(words[-1], f) for f in p.forms[-1])), None)
        if index is None:
            if len(words) < 2:
                continue  # a surname alone, before any full name: not enough to know who
            people.append(_Person([[] for _ in words], [[] for _ in words]))
            index = len(people) - 1
        person = people[index]
        if len(words) == len(person.forms):
            person.add(words, nominals)
        elif len(words) == 1:
            person.forms[-1].extend(f for f in words if f not in person.forms[-1])
        mentions.append((index, span.text))
    refs = []
    for person in people:
        name = person.name
        known = [ref for ref in matcher.refs_for(alias_key(name)) if ref.is_person] or [
            ref for ref, other in matcher.names.items() if ref.is_person and same_name(other, name)
        ]
        refs.append(known[0] if known else matcher.learn(PERSON, name, []))
    for index, written in mentions:
        ref = refs[index]
        if ref.is_new and len(written.split()) > 1:
            matcher.learn(PERSON, matcher.names[ref], [written])  # full names are kept as aliases
        matcher.add_local_form(written, ref)


def _looks_like_a_name(words: list[str]) -> bool:
    """Capitalised name words, a particle allowed between them («Даниэль де Фрейтас»)."""
    if not words or len(words) > 4 or not _NAME_WORD.match(words[0]) or not _NAME_WORD.match(words[-1]):
        return False
    return all(_NAME_WORD.match(w) or w in NAME_PARTICLES for w in words[1:-1])


def _nominatives(doc: Document, start: int, end: int, words: list[str]) -> list[tuple[str, bool]]:
    """Each word of a name span in the nominative, by the case the tagger gave it in its sentence,
    and whether the tagger read it as a nominative."""
    sentence = doc.sentence_at(start)
    tagged = [sentence.tokens[i] for i in sentence.words_between(start, end)] if sentence else []
    if [w.text for w in tagged] != words:
        return [(word, False) for word in words]
    # The words of a name share its case: one read as a nominative makes the name one.
    if any(word.feats.get("Case") == "Nom" for word in tagged):
        return [(word, True) for word in words]
    return [(nominative_name_word(word), False) for word in tagged]
