"""The first layers of a document: sentences and words, then each word's morphology and its
place in the sentence's dependency tree.

Sentences come from razdel (the natasha project's splitter for Russian news), paragraph by
paragraph, with one repair: razdel never ends a sentence after «г.», yet news writes «… в
2015 г. Сейчас компания …»; a sentence is cut there when the part before holds a verb of its
own. Words are cut by ``kb.names``' rule, which keeps «GPT-4o», «LLaMA-7B» and «o1-preview»
whole (razdel splits them). natasha's slovnet models — the morphology tagger and the
dependency parser, shipped inside the wheels and run offline — then tag and parse every
sentence of the article in one batch.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from razdel import sentenize

from kb.extract.document import Document, NamedSpan, Sentence, Word
from kb.names import alias_key, lemma, morph_analyzer

_TOKEN = re.compile(r"\w+(?:[-.+:]\w+)*|[^\w\s]")
_YEAR_ABBREVIATION = re.compile(r"\b\d{4}\s?гг?\.\s+(?=[A-ZА-ЯЁ«])")
_VERB_TAGS = frozenset({"VERB", "PRTS"})


@lru_cache(maxsize=1)
def slovnet_models():
    """natasha's embedding, morphology tagger, syntax parser and NER tagger, loaded once per process."""
    # The models' matrices are small: BLAS threads would only contend (3.5x the CPU per article).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from natasha import NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser

    embedding = NewsEmbedding()
    return NewsMorphTagger(embedding), NewsSyntaxParser(embedding), NewsNERTagger(embedding)


def split_sentences(doc: Document) -> None:
    """Add the headline (index -1, when there is one) and the body's sentences, with their words."""
    spans = [(-1, 0, len(doc.title))] if doc.title.strip() else []
    offset = 0
    index = 0
    for paragraph in doc.text.split("\n"):
        for piece in sentenize(paragraph):
            if not piece.text.strip():
                continue  # a blank line between paragraphs is no sentence
            for start, end in _cut_after_year_abbreviation(paragraph, piece.start, piece.stop):
                spans.append((index, offset + start, offset + end))
                index += 1
        offset += len(paragraph) + 1
    for index, start, end in spans:
        source = doc.title if index < 0 else doc.text
        doc.sentences.append(_sentence(index, source, start, end))


def _cut_after_year_abbreviation(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces = []
    for match in _YEAR_ABBREVIATION.finditer(text, start, end):
        if _has_verb(text[start : match.end()]):
            pieces.append((start, match.end() - (len(match.group()) - len(match.group().rstrip()))))
            start = match.end()
    pieces.append((start, end))
    return pieces


def _has_verb(text: str) -> bool:
    analyzer = morph_analyzer()
    return any(analyzer.parse(word.lower())[0].tag.POS in _VERB_TAGS for word in re.findall(r"[а-яё]+", text, re.IGNORECASE))


def _sentence(index: int, source: str, start: int, end: int) -> Sentence:
    words = [
        Word(m.group(), m.start(), m.end(), alias_key(m.group()), lemma(m.group()))
        for m in _TOKEN.finditer(source, start, end)
    ]
    return Sentence(index=index, start=start, end=end, tokens=words, gaps=[])


def parse_sentences(doc: Document) -> None:
    """Tag every word's part of speech and features, and parse each sentence's dependencies.

    The parser sees punctuation (it was trained with it); the sentences keep only words, with
    heads renumbered among them. A word headed by punctuation (a parser's slip) takes the head above it.
    """
    if not doc.sentences:
        return
    morph, syntax, _ = slovnet_models()
    chunk = [[word.text for word in sentence.tokens] for sentence in doc.sentences]
    for sentence, tagged, parsed in zip(doc.sentences, morph.map(chunk), syntax.map(chunk)):
        for word, tag, node in zip(sentence.tokens, tagged.tokens, parsed.tokens):
            word.pos, word.feats, word.rel = tag.pos, dict(tag.feats or {}), node.rel
            word.head = int(node.head_id) - 1
        _drop_punctuation(sentence, doc.source(sentence))


def tag_names(doc: Document) -> None:
    """Add natasha's NER spans of the body (people, organizations, places)."""
    if not doc.text.strip():
        return
    _, _, ner = slovnet_models()
    doc.names = [NamedSpan(span.type, doc.text[span.start : span.stop], span.start, span.stop) for span in ner(doc.text).spans]


def _drop_punctuation(sentence: Sentence, source: str) -> None:
    kept = [i for i, word in enumerate(sentence.tokens) if word.key]
    position = {old: new for new, old in enumerate(kept)}
    words = [sentence.tokens[old] for old in kept]
    for word in words:
        head, seen = word.head, set()
        while head >= 0 and head not in position and head not in seen:  # a word under punctuation: the head above it
            seen.add(head)
            head = sentence.tokens[head].head
        word.head = position.get(head, -1)
    sentence.tokens = words
    sentence.gaps = [""] + [source[a.end : b.start] for a, b in zip(words, words[1:])]
