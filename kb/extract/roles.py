"""Who does what in an event, from the dependency tree: the subject, the object and the
argument a preposition marks («против», «в», «у», «от»), not the order of the words.

«Стартап Run:ai купила компания Nvidia»: the buyer is the subject whatever its place;
«Anthropic получила 4 млрд от Amazon»: money comes «от» the investor; «иск Гильдии авторов
против OpenAI»: the plaintiff is the genitive of «иск», the defendant comes after «против».
An organization the tree does not attach to the trigger gets no role from here; the caller
falls back on word order.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.extract.document import Sentence
from kb.extract.matcher import EntityMention
from kb.models import EventKind, Role

# How the tree attaches an entity to its trigger.
SUBJECT, OBJECT, AGENT, GENITIVE = "subject", "object", "agent", "genitive"
# Relations of a word that stands for its head's entity («компания Nvidia», «стартап Run:ai»).
_NAME_RELATIONS = frozenset({"appos", "flat", "flat:name", "flat:foreign", "nmod", "amod", "compound"})
# The roles each kind gives the subject, the object, the agent of a passive, a genitive of a
# noun trigger and each preposition's argument.
_ROLES: dict[EventKind, dict[str, Role]] = {
    EventKind.investment: {SUBJECT: Role.investor, GENITIVE: Role.investor, AGENT: Role.investor, "в": Role.target, "от": Role.investor, "у": Role.investor},
    EventKind.acquisition: {SUBJECT: Role.subject, OBJECT: Role.target, AGENT: Role.subject, GENITIVE: Role.target, "у": Role.target},
    EventKind.lawsuit: {SUBJECT: Role.subject, GENITIVE: Role.subject, AGENT: Role.subject, "против": Role.target, "к": Role.target, "на": Role.target, OBJECT: Role.target},
    EventKind.regulation: {OBJECT: Role.target, "против": Role.target, "для": Role.target, "на": Role.target, "в отношении": Role.target},
    EventKind.release: {SUBJECT: Role.subject, AGENT: Role.subject, GENITIVE: Role.subject, "от": Role.developer, "на": Role.platform},
    EventKind.leak: {GENITIVE: Role.subject, "от": Role.developer, "на": Role.platform, "у": Role.subject},
    EventKind.announcement: {SUBJECT: Role.subject, AGENT: Role.subject, GENITIVE: Role.subject, "от": Role.developer},
}
# For triggers whose subject receives («Anthropic привлекла …», «получила инвестиции»).
_RECEIVER_ROLES = {SUBJECT: Role.target, AGENT: Role.target, "от": Role.investor, "у": Role.investor}


@dataclass(frozen=True)
class Attachment:
    """How an entity hangs under a trigger: by which relation (or preposition)."""

    slot: str


def attachment(sentence: Sentence, trigger_index: int, entity: EntityMention) -> Attachment | None:
    """The slot an entity fills under the trigger, if the tree puts it there.

    The entity's head word climbs through the words that name it («компания Nvidia») to the
    word right under the trigger (or under the verb a noun trigger is the object of: «объявила
    о покупке X» attaches X to «покупке»).
    """
    inside = set(range(entity.first_token, entity.last_token + 1))
    head = next((i for i in sorted(inside) if sentence.tokens[i].head not in inside), entity.first_token)
    word = head
    for _ in range(len(sentence.tokens)):
        parent = sentence.tokens[word].head
        if parent < 0:
            return None
        if parent == trigger_index:
            return Attachment(_slot(sentence, word, trigger_index))
        if sentence.tokens[word].rel not in _NAME_RELATIONS and not (word == head and sentence.tokens[parent].pos == "NOUN"):
            return None
        word = parent
    return None


def _slot(sentence: Sentence, word: int, trigger_index: int) -> str:
    dependent, trigger = sentence.tokens[word], sentence.tokens[trigger_index]
    preposition = " ".join(sentence.tokens[i].lemma for i in sentence.children(word) if sentence.tokens[i].rel in ("case", "fixed"))
    if preposition:
        return preposition
    if dependent.rel == "nsubj:pass":
        return OBJECT
    if dependent.rel == "nsubj":
        return SUBJECT
    if dependent.rel in ("obj", "iobj"):
        return OBJECT
    if dependent.rel == "obl" and dependent.feats.get("Case") == "Ins" and trigger.feats.get("Voice") == "Pass":
        return AGENT
    if dependent.rel == "nmod" and dependent.feats.get("Case") == "Gen" and trigger.pos == "NOUN":
        return GENITIVE
    return dependent.rel


def syntactic_role(kind: EventKind, receiver_first: bool, slot: Attachment) -> Role | None:
    """The role a slot gives an organization in an event of ``kind``, if the kind says."""
    roles = _RECEIVER_ROLES if receiver_first and kind is EventKind.investment else _ROLES.get(kind, {})
    return roles.get(slot.slot)
