"""A second look at an event mention's kind, once its sentence is read.

A trigger word gives a first kind; what surrounds it may change it: a release told in the
future tense or in a scientific paper is an announcement, a model put out by a third party a
leak, and what a state authority publishes or announces is regulation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kb.extract.arguments import said_by_a_court
from kb.extract.matcher import EntityMatcher, EntityMention
from kb.lexicon import Lexicon
from kb.models import EventKind, OrganizationKind
from kb.names import Token, is_future_tense

if TYPE_CHECKING:
    from kb.extract.mentions import Mention

MODEL_NOUNS = frozenset({"модель", "нейросеть", "вес"})
# Kinds an act of a state authority turns into regulation.
REGULATED_KINDS = frozenset({EventKind.release, EventKind.announcement, EventKind.acquisition, EventKind.investment, EventKind.lawsuit})
PAPER_NOUNS = frozenset({"статья", "препринт"})
# How many words after a release verb its doer may stand and make it a leak («выложил аноним»).
THIRD_PARTY_AFTER = 2


def second_look(mention: Mention, clause: tuple[int, int], lexicon: Lexicon, matcher: EntityMatcher) -> Mention:
    """``mention`` with the kind its sentence gives it; ``clause`` is its trigger's clause [first, last]."""
    mention = _as_leak_if_third_party(mention, lexicon, matcher)
    mention = _as_regulation_if_by_regulator(mention, lexicon, matcher)
    return _as_announcement_if_paper(_as_announcement_if_future(mention, lexicon), clause)


def is_hosting_place(tokens: list[Token], entity: EntityMention) -> bool:
    """«на Hugging Face», «на GitHub»: where a model is put, not who puts it."""
    return entity.entity.is_organization and entity.first_token > 0 and tokens[entity.first_token - 1].lemma == "на"


def _as_regulation_if_by_regulator(mention: Mention, lexicon: Lexicon, matcher: EntityMatcher) -> Mention:
    """«Администрация киберпространства опубликовала меры»: what a state authority publishes or
    announces is regulation; so is its say on a deal («Еврокомиссия одобрила покупку Run:ai»,
    «власти запретили продажу») and an obligation it sets («Garante обязало OpenAI …»). A suit
    an authority files, and what a court rules, stay lawsuits («FTC подала иск», «суд признал»)."""
    if mention.kind not in REGULATED_KINDS:
        return mention
    if mention.kind is EventKind.lawsuit and (
        mention.trigger.lemma not in lexicon.court_verbs or said_by_a_court(mention.sentence, mention.trigger.token_index)
    ):
        return mention
    actors = [m for m in mention.entities(matcher) if m.entity.is_organization and m.first_token < mention.trigger.token_index]
    if actors and all(matcher.org_kinds.get(m.entity.id) is OrganizationKind.regulator for m in actors):
        return replace(mention, trigger=replace(mention.trigger, kind=EventKind.regulation))
    return mention


def _as_announcement_if_future(mention: Mention, lexicon: Lexicon) -> Mention:
    """«Haiku станет доступна позже», «модель выйдет осенью», «обещает выпустить в начале 2024
    года»: a release still to come, or promised, is announced."""
    if mention.kind is not EventKind.release:
        return mention
    tokens = mention.sentence.tokens
    verb = mention.trigger.token_index
    # «обещает выпустить»: the release is the complement of a promise (not a verb conjoined to one).
    promised = tokens[verb].rel in ("xcomp", "ccomp") and tokens[verb].head >= 0 and tokens[tokens[verb].head].lemma in lexicon.promise
    if not promised and not any(is_future_tense(t.text) for t in tokens[max(mention.first, verb - 1) : verb + 1]):
        return mention
    return replace(mention, trigger=replace(mention.trigger, kind=EventKind.announcement), still_to_come=True)


def _as_announcement_if_paper(mention: Mention, clause: tuple[int, int]) -> Mention:
    """«опубликовали на arXiv статью, в которой описали Transformer»: a paper presents a model."""
    if mention.kind is not EventKind.release:
        return mention
    first, last = clause
    if not any(t.lemma in PAPER_NOUNS for t in mention.sentence.tokens[first : last + 1]):
        return mention
    return replace(mention, trigger=replace(mention.trigger, kind=EventKind.announcement), in_a_paper=True)


def _as_leak_if_third_party(mention: Mention, lexicon: Lexicon, matcher: EntityMatcher) -> Mention:
    """«Группа художников выложила на Hugging Face доступ к Sora»: a model put out by someone
    other than its owner — no organization acts, a third party does — is a leak."""
    if mention.kind is not EventKind.release:
        return mention
    tokens = mention.sentence.tokens
    # Russian puts the doer after the verb as often as before it («её опубликовал пользователь»),
    # and a passive participle names it anywhere after («выложенная 28 января на Hugging Face
    # анонимным пользователем»): the verb's dependents.
    trigger = mention.trigger.token_index
    near = range(mention.first, min(mention.last, trigger + THIRD_PARTY_AFTER) + 1)
    below = [i for i in range(len(tokens)) if tokens[i].head == trigger and mention.first <= i <= mention.last]
    doer = [*near, *below]
    segment = next(((a, b) for a, b in mention.sentence.subordinate if a <= trigger <= b), (mention.first, mention.last))
    acting = [
        m
        for m in mention.entities(matcher)
        if m.entity.is_organization
        and segment[0] <= m.first_token < mention.trigger.token_index
        and not is_hosting_place(tokens, m)
        # «пользователь 4chan опубликовал»: a site names where the third party is, not who acts.
        and matcher.org_kinds.get(m.entity.id) is not OrganizationKind.platform
    ]
    if acting or not any(tokens[i].lemma in lexicon.third_party for i in doer):
        return mention
    scope = tokens[mention.first : mention.last + 1]
    if not any(m.entity.is_model for m in mention.entities(matcher)) and not any(t.lemma in MODEL_NOUNS for t in scope):
        return mention
    return replace(mention, trigger=replace(mention.trigger, kind=EventKind.leak))
