"""Names in the nominative, from the case natasha's morphology tagger gives each word.

Articles name people and organizations in every case («назначил Мустафу Сулеймана», «решение
Пекинского интернет-суда»); the knowledge base names them in the nominative. pymorphy knows
the forms of Russian words; the tagger says which case a word is in, so the right analysis is
the one in that case. Foreign names pymorphy does not know as names lose a masculine case
ending («Вана» → «Ван») and keep their form otherwise («Мурати» does not decline).
"""

from __future__ import annotations

import re

from kb.extract.document import Sentence, Word
from kb.names import morph_analyzer

CASES = {"Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct"}
NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})
# Masculine endings a case adds to a foreign name: (case, ending, replacement).
_MASCULINE_ENDINGS = (
    ("gent", "я", "й"), ("gent", "а", ""), ("accs", "я", "й"), ("accs", "а", ""), ("datv", "ю", "й"), ("datv", "у", ""),
    ("ablt", "ем", "й"), ("ablt", "ом", ""), ("loct", "е", ""),
)
_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def nominative_name_word(word: Word) -> str:
    """A word of a person's name in the nominative («Мустафу» → «Мустафа», «Айва» → «Айв»)."""
    case = CASES.get(word.feats.get("Case", ""))
    if case is None or not _CYRILLIC.search(word.text) or "-" in word.text:
        return word.text
    parses = morph_analyzer().parse(word.text.lower())
    for parse in parses:
        grammemes = set(parse.tag.grammemes)
        if case in grammemes and (NAME_GRAMMEMES & grammemes or "anim" in grammemes):
            form = parse.inflect({"nomn", "sing"})
            if form is not None:
                return _written_like(form.word, word.text)
    # «Мира» is a name in the nominative already, whatever case the tagger read.
    if any(NAME_GRAMMEMES & set(p.tag.grammemes) and "nomn" in p.tag.grammemes for p in parses):
        return word.text
    if word.feats.get("Gender") == "Masc":
        for ending_case, ending, replacement in _MASCULINE_ENDINGS:
            if case == ending_case and word.text.lower().endswith(ending) and len(word.text) > len(ending) + 2:
                return word.text[: len(word.text) - len(ending)] + replacement
    return word.text


def nominative_phrase(sentence: Sentence, words: list[int]) -> str:
    """An organization's name phrase in the nominative: its head noun and the adjectives that agree
    with it («Пекинского интернет-суда» → «Пекинский интернет-суд»); the rest as written
    («Правительства Москвы» → «Правительство Москвы»)."""
    inside = set(words)
    head = next((i for i in words if sentence.tokens[i].head not in inside), words[0])
    head_word = sentence.tokens[head]
    forms = {head: _nominative_common(head_word, {"nomn"})}
    gender = {"Masc": "masc", "Fem": "femn", "Neut": "neut"}.get(head_word.feats.get("Gender", ""))
    number = "plur" if head_word.feats.get("Number") == "Plur" else "sing"
    for i in words:
        if i < head and sentence.tokens[i].head == head and sentence.tokens[i].pos == "ADJ":
            wanted = {"nomn", number} | ({gender} if gender and number == "sing" else set())
            forms[i] = _nominative_common(sentence.tokens[i], wanted)
    text = ""
    for position, i in enumerate(words):
        if position:
            text += sentence.gaps[i]
        text += forms.get(i, sentence.tokens[i].text)
    return text


def _nominative_common(word: Word, wanted: set[str]) -> str:
    case = CASES.get(word.feats.get("Case", ""))
    if case is None or not _CYRILLIC.search(word.text):
        return word.text
    for parse in morph_analyzer().parse(word.text.lower()):
        if case in parse.tag.grammemes and parse.tag.POS in ("NOUN", "ADJF"):
            form = parse.inflect(wanted)
            if form is not None:
                return _written_like(form.word, word.text)
    return word.text


def _written_like(form: str, original: str) -> str:
    """``form`` with the original's capitals: a first capital, or every letter for an acronym."""
    if original.isupper() and len(original) > 1:
        return form.upper()
    return form[:1].upper() + form[1:] if original[:1].isupper() else form
