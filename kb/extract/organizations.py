"""Organizations and products the knowledge base does not know yet, learned from how the article
names them.

- natasha's ORG spans: in Latin script, a company («Andreessen Horowitz», «Light Year»)
  unless a product noun introduces it («сервис Bard Advanced»: a product); in Cyrillic, only
  an institution («Пекинский интернет-суд», «Правительство Москвы») or a name a company noun
  or quotation marks introduce, since the tagger also marks generic phrases («Совет
  директоров», «СМИ»). Cyrillic names are put in the nominative (``kb.extract.inflection``).
- a name in quotation marks after a company or product noun: «компания «Консорциум.Первый»»,
  «нейросеть «Шедеврум»»;
- a Latin-script name after a product noun or a company noun: «инструмент Claude Code»,
  «модель Kandinsky Video», «стартап Run:ai».
"""

from __future__ import annotations

import re

from kb.extract.document import Document, Sentence
from kb.extract.inflection import nominative_phrase
from kb.extract.matcher import MODEL, ORGANIZATION, EntityMatcher
from kb.models import OrganizationKind
from kb.names import alias_key, lemma

# Nouns that introduce a company by its name.
COMPANY_NOUNS = frozenset({
    "компания", "стартап", "фонд", "фирма", "корпорация", "организация", "производитель", "инвестор", "холдинг",
    "лаборатория", "фотобанк", "банк", "консорциум", "группа", "издание", "газета", "агентство", "издательство",
    "разработчик", "оператор", "маркетплейс", "дистрибьютор", "поставщик", "платформа", "сеть", "соцсеть",
    "студия", "концерн", "ритейлер", "провайдер", "интегратор", "университет", "институт", "подразделение",
})
# Nouns that introduce a model or a product by its name.
PRODUCT_NOUNS = frozenset({
    "модель", "нейросеть", "чатбот", "бот", "ассистент", "помощник", "инструмент", "агент", "генератор", "семейство",
    "приложение", "функция", "продукт", "версия", "система", "кодер", "нейромодель", "llm", "сервис",
})
# Head nouns of state bodies and courts.
INSTITUTION_NOUNS = frozenset({
    "суд", "министерство", "управление", "комитет", "служба", "агентство", "правительство", "парламент", "дума",
    "комиссия", "ведомство", "палата", "прокуратура", "инспекция", "администрация", "мэрия", "департамент", "совет",
})
# Institutions a regulator names («Совет директоров» is a company's board, «совет» alone nothing).
_NOT_INSTITUTIONS = frozenset({"совет директоров", "совет директор", "наблюдательный совет"})
_LATIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9&:.'’\- ]*$")
_QUOTED = re.compile(r"«([^«»]{2,40})»")
MAX_NAME_WORDS = 5
MONTHS = frozenset({
    "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
})


def learn_organizations(doc: Document) -> None:
    """Teach the article's matcher the organizations and products it introduces by name."""
    for start, end in _name_spans(doc):
        _learn_tagged(doc, start, end)
    for match in _QUOTED.finditer(doc.text):
        _learn_quoted(doc, match.start(1), match.end(1))
    for sentence in doc.body:
        _learn_introduced_names(doc, sentence)


def _name_spans(doc: Document) -> list[tuple[int, int]]:
    """natasha's ORG spans, and its LOC spans that head an institution («Пекинский интернет-суд»);
    an institution runs on into the place right after it («Таганский районный суд» «Москвы»)."""
    spans: list[tuple[int, int]] = []
    for span in doc.names:
        if span.type not in ("ORG", "LOC"):
            continue
        if spans and doc.text[spans[-1][1] : span.start] == " " and _is_institution(doc, *spans[-1]):
            spans[-1] = (spans[-1][0], span.end)
        elif span.type == "ORG" or _is_institution(doc, span.start, span.end):
            spans.append((span.start, span.end))
    return spans


def _is_institution(doc: Document, start: int, end: int) -> bool:
    sentence = doc.sentence_at(start)
    words = sentence.words_between(start, end) if sentence else []
    return any(_noun_lemma(sentence.tokens[i].text) in INSTITUTION_NOUNS for i in words)


def _noun_lemma(word: str) -> str:
    """The lemma of a word, of its last part for a compound («интернет-суд» is a «суд»)."""
    return lemma(word.rsplit("-", 1)[-1])


def _learn_tagged(doc: Document, start: int, end: int) -> None:
    sentence = doc.sentence_at(start)
    if sentence is None:
        return
    words = sentence.words_between(start, end)
    text = doc.text[start:end]
    if not words or len(words) > MAX_NAME_WORDS or _known(doc.matcher, text):
        return
    before = _noun_before(sentence, words[0])
    if _LATIN_NAME.match(text):
        if before not in PRODUCT_NOUNS | doc.lexicon.technology and not any(ch.isdigit() for ch in text):
            doc.matcher.learn(ORGANIZATION, text, [text], org_kind=_kind_by_noun(before))
        return
    if before in PRODUCT_NOUNS:
        return  # «нейросеть «Шептун»»: a product, learned as a model from its quotation marks
    head = next((i for i in words if sentence.tokens[i].head not in set(words)), words[0])
    institution = _noun_lemma(sentence.tokens[head].text) in INSTITUTION_NOUNS and len(words) > 1
    if institution and " ".join(sentence.tokens[i].lemma for i in words[:2]) in _NOT_INSTITUTIONS:
        return
    if institution or before in COMPANY_NOUNS or _quoted(doc.text, start, end):
        name = nominative_phrase(sentence, words)
        kind = OrganizationKind.regulator if institution else OrganizationKind.company
        doc.matcher.learn(ORGANIZATION, name, [text], org_kind=kind)


def _learn_quoted(doc: Document, start: int, end: int) -> None:
    sentence = doc.sentence_at(start)
    text = doc.text[start:end]
    if sentence is None or not text[:1].isupper() or _known(doc.matcher, text):
        return
    words = sentence.words_between(start, end)
    if not words or len(words) > 4:
        return
    before = _noun_before(sentence, words[0])
    if before in PRODUCT_NOUNS:
        doc.matcher.learn(MODEL, text, [text])
    elif before in COMPANY_NOUNS:
        doc.matcher.learn(ORGANIZATION, text, [text], org_kind=_kind_by_noun(before))


def _learn_introduced_names(doc: Document, sentence: Sentence) -> None:
    """«инструмент Claude Code» is a product, «стартап Run:ai» a company."""
    tokens = sentence.tokens
    for i, word in enumerate(tokens[:-1]):
        if (word.lemma not in PRODUCT_NOUNS and word.lemma not in COMPANY_NOUNS) or sentence.gaps[i + 1].strip():
            continue
        run = _latin_run(sentence, i + 1)
        if word.lemma in COMPANY_NOUNS:
            # «стартап Mistral AI 27 сентября»: a company's name has no number in it.
            run = run[: next((k for k, j in enumerate(run) if tokens[j].text[0].isdigit()), len(run))]
        if not run:
            continue
        text = doc.text[tokens[run[0]].start : tokens[run[-1]].end]
        # A product may extend a known name («Claude Code»); a company named after a known one
        # («Mistral AI» then more words) is that one.
        stems = run if word.lemma in COMPANY_NOUNS else run[-1:]
        if any(_known(doc.matcher, doc.text[tokens[run[0]].start : tokens[j].end]) for j in stems) or not text[:1].isupper():
            continue
        if word.lemma in PRODUCT_NOUNS:
            doc.matcher.learn(MODEL, text, [text], family_id=_known_stem(doc.matcher, sentence, run))
        else:
            doc.matcher.learn(ORGANIZATION, text, [text], org_kind=_kind_by_noun(word.lemma))


def _latin_run(sentence: Sentence, first: int) -> list[int]:
    """Latin-script words from ``first`` on, written together or with spaces and hyphens; a number
    that a month follows is a date, not part of the name («чат-бот Ernie Bot 16 марта»)."""
    tokens = sentence.tokens
    run: list[int] = []
    for i in range(first, min(len(tokens), first + MAX_NAME_WORDS)):
        if not _LATIN_NAME.match(tokens[i].text) or (run and sentence.gaps[i] not in (" ", "-", "\u00a0")):
            break
        if tokens[i].text.isdigit() and i + 1 < len(tokens) and tokens[i + 1].lemma in MONTHS:
            break
        run.append(i)
    return run


def _known_stem(matcher: EntityMatcher, sentence: Sentence, run: list[int]) -> int | None:
    """The known model a product's name starts with («Claude Code» of Claude), if any."""
    for last in range(len(run) - 1, 0, -1):
        key = "".join(sentence.tokens[i].key for i in run[:last])
        refs = [ref for ref in matcher.refs_for(key) if ref.is_model and not ref.is_new]
        if refs:
            return refs[0].id
    return None


def _noun_before(sentence: Sentence, first: int) -> str:
    """The lemma of the word before a name, skipping an opening quotation mark."""
    return sentence.tokens[first - 1].lemma if first > 0 else ""


def _known(matcher: EntityMatcher, text: str) -> bool:
    return bool(matcher.refs_for(alias_key(text)))


def _quoted(text: str, start: int, end: int) -> bool:
    return text[max(0, start - 1) : start] == "«" and text[end : end + 1] == "»"


def _kind_by_noun(noun: str) -> OrganizationKind:
    if noun in ("издание", "газета", "агентство", "издательство"):
        return OrganizationKind.media
    if noun in ("платформа", "соцсеть", "сеть", "маркетплейс"):
        return OrganizationKind.platform
    return OrganizationKind.company
