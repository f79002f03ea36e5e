"""What the dependency tree says about a trigger's arguments: whether its subject or object can
be what the event needs.

The parser errs on long sentences, so these tests only veto a mention when the tree is plain
about it: «деньги … вернутся к ней же» (the one who returns is money), «Алсап назначил
отдельный процесс» (what is appointed is a trial), «на купленных книгах» (a participle that
only describes books).
"""

from __future__ import annotations

from kb.extract.document import Sentence
from kb.extract.matcher import EntityMention
from kb.names import lemma

# Personnel verbs whose object is the person who moves; for the others it is the subject.
PERSON_AS_OBJECT = frozenset({"уволить", "назначить", "нанять", "отстранить", "переманить", "пригласить", "увольнять", "назначать"})
# Nouns that stand for a person in a personnel change («новый глава», «сооснователь компании»).
PERSON_NOUNS = frozenset({
    "глава", "директор", "гендиректор", "руководитель", "основатель", "сооснователь", "президент", "вицепрезидент",
    "председатель", "сотрудник", "исследователь", "инженер", "ученый", "специалист", "менеджер", "топменеджер",
    "член", "партнер", "ветеран", "выходец", "создатель", "разработчик", "лидер", "руководство", "команда",
    "предшественник", "преемник", "экс", "бывший", "который", "кто", "человек", "эксперт", "автор",
})
SUBJECT_RELATIONS = frozenset({"nsubj", "nsubj:pass"})
COURT_NOUNS = frozenset({"суд", "судья", "трибунал", "коллегия"})
OBJECT_RELATIONS = frozenset({"obj", "nsubj:pass"})


def subtree(sentence: Sentence, index: int) -> set[int]:
    """Word ``index`` and every word below it."""
    return {i for i in range(len(sentence.tokens)) if i == index or index in sentence.ancestors(i)}


def arguments(sentence: Sentence, index: int, relations: frozenset[str]) -> list[int]:
    """The dependents of word ``index`` joined to it by one of ``relations``."""
    return [i for i in sentence.children(index) if sentence.tokens[i].rel in relations]


def person_cannot_move(sentence: Sentence, trigger_index: int, lemma: str, entities: list[EntityMention]) -> bool:
    """Whether the tree says the personnel verb at ``trigger_index`` moves something that is no person.

    The slot that holds the mover (the object of «уволить», «назначить»; the subject of
    «уйти», «вернуться») is filled with a noun that names no person and holds no person's name.
    """
    trigger = sentence.tokens[trigger_index]
    if not trigger.is_verb:
        return False
    people = {i for m in entities if m.entity.is_person for i in range(m.first_token, m.last_token + 1)}
    relations = OBJECT_RELATIONS if lemma.split()[0] in PERSON_AS_OBJECT else SUBJECT_RELATIONS
    slots = arguments(sentence, trigger_index, relations)
    return bool(slots) and all(_names_no_person(sentence, slot, people) for slot in slots)


def _names_no_person(sentence: Sentence, slot: int, people: set[int]) -> bool:
    word = sentence.tokens[slot]
    if word.pos not in ("NOUN",) or word.lemma in PERSON_NOUNS or word.feats.get("Animacy") == "Anim":
        return False
    return not (subtree(sentence, slot) & people)


def puts_out_a_statement(sentence: Sentence, trigger_index: int, statements: frozenset[str]) -> bool:
    """«выпустил предупреждение», «опубликовала заявление»: what is put out is a statement, not a product."""
    return any(sentence.tokens[i].lemma in statements for i in arguments(sentence, trigger_index, OBJECT_RELATIONS))


def is_demanded(sentence: Sentence, trigger_index: int, demand: frozenset[str]) -> bool:
    """«требуют запретить», «призвали ввести штраф»: an event someone asks for has not happened."""
    return any(sentence.tokens[i].lemma in demand for i in sentence.ancestors(trigger_index)[:2])


def said_by_a_court(sentence: Sentence, trigger_index: int) -> bool:
    """«Пекинский интернет-суд признал», «судья отклонил»: the subject is a court or a judge."""
    return any(
        lemma(sentence.tokens[i].text.rsplit("-", 1)[-1]) in COURT_NOUNS
        for subject in arguments(sentence, trigger_index, SUBJECT_RELATIONS)
        for i in subtree(sentence, subject)
    )


def describes_a_thing(sentence: Sentence, trigger_index: int, entities: list[EntityMention]) -> bool:
    """Whether the trigger is a participle that only describes a common noun («на купленных книгах»,
    «выпущенных ранее смартфонах»): no event is told, a thing is qualified."""
    trigger = sentence.tokens[trigger_index]
    if trigger.feats.get("VerbForm") != "Part" or "Case" not in trigger.feats or trigger.rel not in ("amod", "acl"):
        return False
    head = trigger.head
    if head < 0:
        return False
    named = {i for m in entities for i in range(m.first_token, m.last_token + 1)}
    # «модели, выложенные на Hugging Face», «Grok-1, выпущенный в марте»: the event of a named thing;
    # «совет директоров, отстранивший его»: a participle with a party of its own tells an event.
    near_head = {head, *sentence.children(head)}
    own = set(sentence.children(trigger_index))
    if own & named or any(sentence.tokens[i].pos in ("PRON", "DET") and sentence.tokens[i].rel in ("obj", "nsubj") for i in own):
        return False
    return sentence.tokens[head].pos == "NOUN" and not (near_head & named) and sentence.tokens[head].lemma not in THING_EVENT_NOUNS


# Nouns whose participle tells an event of its own («модель, выложенная пользователем»).
THING_EVENT_NOUNS = frozenset({"модель", "нейросеть", "вес", "версия", "код", "данные", "файл", "чатбот", "бот", "сервис", "продукт", "приложение", "компания", "стартап", "сделка", "иск", "закон"})
