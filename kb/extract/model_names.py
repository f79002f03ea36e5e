"""Latin-script model names with versions and sizes: «Llama 2 70B», «Mixtral 8x7B», «Qwen2.5-72B».

A run of Latin words and numbers, written together or separated by spaces and hyphens,
that the knowledge base does not know as a whole is a model name when it carries a size
(«70B», «8x7B») or when what is left without the size is a known model — then it is a
size variant of that model («Llama 3 70B» of Llama 3). Product names such as «Windows 11»
have neither and are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.extract.matcher import MODEL, EntityMatcher, EntityRef
from kb.names import Token, alias_key

# "70B", "7b", "1.5B", "8x7B", "405B", "22B"; the unit letters mean parameters.
_SIZE = re.compile(r"^(?:\d+x)?\d+(?:\.\d+)?[bmkBMK]$")
_SIZE_SUFFIX = re.compile(r"[-_ ](?:\d+x)?\d+(?:\.\d+)?[bmkBMK]$")
_LATIN_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+\-]*$")
# A variant's own word that may stand for it («Haiku», «Ultra»): one capitalised Latin word.
_VARIANT_WORD = re.compile(r"^[A-Z][a-z]{3,}$")
# Longest run considered: «Llama 3.1 405B Instruct».
MAX_RUN = 5


@dataclass(frozen=True)
class ModelName:
    text: str  # as written
    start: int
    end: int
    family_id: int | None  # the known model it is a size variant of


def find_model_names(text: str, tokens: list[Token], matcher: EntityMatcher) -> list[ModelName]:
    """Model names in ``tokens`` (cut from ``text``) that the matcher does not know as a whole."""
    found = []
    i = 0
    while i < len(tokens):
        run = _latin_run(text, tokens, i)
        name = _model_in_run(text, run, matcher) if run else None
        if name is None:
            i += max(1, len(run))
        else:
            found.append(name)
            i += len(run)
    return found


def _latin_run(text: str, tokens: list[Token], i: int) -> list[Token]:
    if not (_LATIN_WORD.match(tokens[i].text) and tokens[i].text[0].isalpha()):
        return []
    run = [tokens[i]]
    while len(run) < MAX_RUN and i + len(run) < len(tokens):
        nxt = tokens[i + len(run)]
        gap = text[run[-1].end : nxt.start]
        if gap not in (" ", "-", "\u00a0") or not _LATIN_WORD.match(nxt.text):
            break
        # Only numbers and sizes continue a name: «Llama 2 70B», not «Meta AI Research».
        if not (nxt.text[0].isdigit() or _SIZE.match(nxt.text)):
            break
        run.append(nxt)
    return run


def _model_in_run(text: str, run: list[Token], matcher: EntityMatcher) -> ModelName | None:
    written = text[run[0].start : run[-1].end]
    if not any(ch.isdigit() for ch in written):
        return None
    if any(ref.is_model for ref in matcher.refs_for(alias_key(written))):
        return None  # known as a whole: the matcher finds it
    stem = _SIZE_SUFFIX.sub("", written)
    has_size = stem != written
    family = next((ref.id for ref in matcher.refs_for(alias_key(stem)) if ref.is_model and not ref.is_new), None)
    if family is None and not has_size:
        return None
    if family is None and len(alias_key(stem)) < 2:
        return None
    return ModelName(written, run[0].start, run[-1].end, family)


def learn_model_names(text: str, tokens: list[Token], matcher: EntityMatcher) -> None:
    """Teach the (per-article) matcher the unknown model names in ``tokens``."""
    for name in find_model_names(text, tokens, matcher):
        matcher.learn(MODEL, name.text, [name.text], family_id=name.family_id)


def learn_variant_short_names(text: str, tokens: list[Token], matcher: EntityMatcher) -> None:
    """In an article that names a model family, let a variant's own word name the variant:
    after «Claude 3», «Haiku» is Claude 3 Haiku and «Ultra» Gemini Ultra (this article only)."""
    named = {m.entity.id for m in matcher.find(text, tokens) if m.entity.is_model}
    families = {matcher.family_root(model_id) for model_id in named}
    for ref, name in list(matcher.names.items()):
        family_id = matcher.model_parent.get(ref.id) if ref.is_model else None
        if family_id is None or family_id not in families:
            continue
        family_name = matcher.names.get(EntityRef(MODEL, family_id), "")
        own_word = name[len(family_name) :].strip()
        if name.startswith(family_name + " ") and _VARIANT_WORD.match(own_word):
            matcher.add_local_form(own_word, ref)
