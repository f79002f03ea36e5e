"""Sentences of an article, what is in them, and the event mentions they make.

A sentence holds tokens, entities (aliases of known organizations and models), triggers
(lemmas from ``kb/data/triggers.toml``) and dates (``kb.dates.find_dates``). A trigger
with a principal participant, not negated, is an event mention. When one sentence reports
two kinds of event («объявили о партнёрстве, а Meta в тот же день выпустила Llama 2»), each
mention keeps the entities and dates of its own clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from kb.dates import Anchor, ResolvedDate, find_dates, interval_for_value, named_weekday
from kb.lexicon import Lexicon, Trigger
from kb.extract.arguments import arguments, describes_a_thing, is_demanded, person_cannot_move, puts_out_a_statement, said_by_a_court
from kb.extract.clauses import clause_of, clause_scopes, coordinate_clauses, in_foreign_segment
from kb.extract.document import Document, Sentence, Word
from kb.extract.kinds import MODEL_NOUNS, is_hosting_place, second_look
from kb.extract.matcher import EntityMatcher, EntityMention, EntityRef
from kb.extract.organizations import PRODUCT_NOUNS
from kb.extract.temporal import dates_of_trigger
from kb.models import EventKind, OrganizationKind
from kb.names import Token, morph_analyzer, tokenize

# Prepositions before a person who accompanies a personnel change rather than makes it.
COMPANION_PREPOSITIONS = frozenset({"с", "за", "вместе", "вслед", "для", "от", "у", "к", "при"})
# Kinds of event that happen to a model.
MODEL_EVENTS = frozenset({EventKind.release, EventKind.leak})
# Relative days that, in direct speech, count from the day the words were said.
SPEAKER_DAYS = frozenset({"сегодня", "вчера", "завтра", "накануне", "позавчера", "послезавтра"})
_QUOTED = re.compile(r"«[^«»]*»")
# Nouns that name a model without its name.
# Nouns that stand for the company a story is about.
COMPANY_NOUNS = frozenset({"стартап", "компания"})
# Words that keep «компания» the story's own («эта компания», «сама компания»).
OWN_DETERMINERS = frozenset({"этот", "тот", "сам", "свой", "наш", "данный"})
# Verbs of speech: the person before one comments on a change.
SPEECH_VERBS = frozenset({"сообщить", "написать", "заявить", "назвать", "поблагодарить", "отметить", "рассказать", "подтвердить", "добавить"})
# Personal pronouns that stand for the person the previous sentences named.
# How close before an event noun a circumstance word («вокруг», «после») must stand.
CIRCUMSTANCE_WINDOW = 2
SUBJECT_PRONOUNS = frozenset({"он", "она"})
# Nouns of things a company puts out besides models («архитектуру», «ускоритель», «поисковик»).
PRODUCT_OBJECTS = frozenset({
    "архитектура", "ускоритель", "чип", "суперчип", "процессор", "поисковик", "браузер", "смартфон", "устройство",
    "платформа", "компьютер", "суперкомпьютер", "очки", "гарнитура", "робот", "сервис", "приложение", "продукт",
})
# Pronouns that stand for a model named before («её опубликовал пользователь»).
MODEL_PRONOUNS = frozenset({"ее", "его", "она", "он", "их", "они"})
PERSON_PRONOUNS = frozenset({"он", "она", "его", "ее", "ему", "ей", "него", "нее", "ним", "ней", "нем"})
# How many years around an undated article's latest full date a year-less date may fall in.
YEARS_AROUND = 3
# Tokens before a trigger in which «не» negates it («не планирует выпускать»).
NEGATION_WINDOW = 3


@dataclass(frozen=True)
class Mention:
    """A trigger in a sentence, with the tokens [first, last] that speak of its event."""

    sentence: Sentence
    trigger: Trigger
    first: int
    last: int
    borrowed: tuple[EntityMention, ...] = ()  # a person a pronoun stands for («отправил его в отставку»)
    still_to_come: bool = False  # a release told in the future tense, hence announced
    pronoun_subject: bool = False  # «он» moves; the people the sentence names do not
    in_a_paper: bool = False  # a model presented in a scientific paper, hence announced

    @property
    def kind(self) -> EventKind:
        return self.trigger.kind

    def entities(self, matcher: EntityMatcher) -> list[EntityMention]:
        tokens = self.sentence.tokens
        own = [
            m
            for m in participant_mentions(self.sentence, matcher)
            if self.first <= m.first_token <= self.last
            and not in_foreign_segment(self.sentence, m.first_token, self.trigger.token_index)
            # «в знак солидарности с Альтманом», «вслед за ним»: a companion, not the one who moves.
            and not (self.kind is EventKind.personnel and m.entity.is_person and (self.pronoun_subject or _aside(tokens, m)))
        ]
        return own + list(self.borrowed)

    def participants(self, matcher: EntityMatcher) -> set[EntityRef]:
        return {m.entity for m in self.entities(matcher)}

    def dates(self) -> list[ResolvedDate]:
        """The dates of the trigger's own clause (``kb.extract.temporal``)."""
        return dates_of_trigger(self.sentence, self.trigger.token_index, self.first, self.last)


def _aside(tokens: list[Token], person: EntityMention) -> bool:
    """A person who accompanies a change («солидарность с Альтманом») or speaks of it
    («Альтман назвал уход …»), not the one who moves."""
    before = tokens[person.first_token - 1].lemma if person.first_token > 0 else ""
    after = [t.lemma for t in tokens[person.last_token + 1 : person.last_token + 3]]
    return before in COMPANION_PREPOSITIONS or any(lemma in SPEECH_VERBS for lemma in after)


def annotate_sentences(doc: Document) -> None:
    """Give every sentence its entities, triggers and dates, and mark comparisons and cited sources."""
    body_dates = _outside_direct_speech(_past_dates(find_dates(doc.text, doc.published), doc.published), doc.text)
    if doc.published is None:
        body_dates = _years_from_the_article(body_dates)
    cues = doc.lexicon.comparison | doc.lexicon.background
    for sentence in doc.sentences:
        if sentence.is_headline:
            sentence.dates = _past_dates(find_dates(doc.title, doc.published), doc.published)
        else:
            sentence.dates = [d for d in body_dates if sentence.start <= d.span[0] < sentence.end]
        sentence.entities = [
            m
            for m in doc.matcher.find(doc.source(sentence), sentence.tokens)
            # «под лицензией MIT», «на чипах Apple»: a technology's name, no party to anything.
            if not (m.first_token > 0 and sentence.tokens[m.first_token - 1].lemma in doc.lexicon.technology)
        ]
        sentence.triggers = doc.lexicon.triggers(sentence.tokens)
        sentence.comparison_from = _comparison_start(sentence.tokens, cues)
        sentence.cites_source = any(t.lemma in doc.lexicon.reporting for t in sentence.tokens)


def _comparison_start(tokens: list[Word], cues: frozenset[str]) -> int:
    """The first comparison cue's index, or len(tokens): a cue word, or an adjective in the
    comparative («крупнее Llama 2»). «перешёл к конкуренту»: a cue after «к» is where someone
    goes, not what something is compared with."""
    return next(
        (
            i
            for i, t in enumerate(tokens)
            if (t.lemma in cues or (t.pos == "ADJ" and t.feats.get("Degree") == "Cmp")) and not (i > 0 and tokens[i - 1].lemma == "к")
        ),
        len(tokens),
    )


def _outside_direct_speech(dates: list[ResolvedDate], text: str) -> list[ResolvedDate]:
    """Leave out «сегодня», «вчера» … said inside quotation marks: the speaker's day, not the report's."""
    quotes = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    return [
        d
        for d in dates
        if not (d.text.lower() in SPEAKER_DAYS and any(start <= d.span[0] < end for start, end in quotes))
    ]


def _years_from_the_article(dates: list[ResolvedDate]) -> list[ResolvedDate]:
    """An undated article's year-less dates («13 июля») in the first year that does not put them
    before its latest full date: news is told after the background it recalls
    («в декабре 2024 года стартап привлёк … 28 марта xAI купила X» is 2025). With a weekday
    («в среду, 6 декабря»), the nearest year to that in which the weekday fits."""
    full = [d.end for d in dates if d.start is not None and d.end is not None and not d.year_inferred]
    if not full:
        return dates
    latest = max(full)
    return [_in_year_after(when, latest) if when.start is None and when.value.startswith("XXXX") else when for when in dates]


def _in_year_after(when: ResolvedDate, latest: date) -> ResolvedDate:
    intervals = {
        year: interval
        for year in range(latest.year - YEARS_AROUND, latest.year + YEARS_AROUND + 1)
        if (interval := interval_for_value(f"{year}{when.value[4:]}", when.modifier)) is not None
    }
    after = [year for year, (start, _, _) in intervals.items() if start >= latest]
    if not after:
        return when
    year = min(after)
    weekday = named_weekday(when.text)
    if weekday is not None and intervals[year][0] == intervals[year][1]:
        fitting = [y for y, (start, end, _) in intervals.items() if start == end and start.weekday() == weekday]
        year = min(fitting, key=lambda y: abs(y - year), default=year)
    start, end, _ = intervals[year]
    return replace(when, start=start, end=end, value=f"{year}{when.value[4:]}", year_inferred=True, anchor=Anchor.previous_mention)


def _past_dates(dates: list[ResolvedDate], published: date | None) -> list[ResolvedDate]:
    # A report tells what has happened; a date after its publication is a plan or a
    # deadline («вступит в силу через 20 дней»), not the date of an event it reports.
    return [d for d in dates if published is None or d.start is None or d.start <= published]


def participant_mentions(sentence: Sentence, matcher: EntityMatcher) -> list[EntityMention]:
    """Entities a sentence is about: not those there for comparison, nor outlets it cites."""
    return [
        m
        for m in sentence.entities
        if m.first_token < sentence.comparison_from and not (sentence.cites_source and is_media(m.entity, matcher))
    ]


def participants_of(sentence: Sentence, matcher: EntityMatcher) -> list[EntityRef]:
    return [m.entity for m in participant_mentions(sentence, matcher)]


def is_media(ref: EntityRef, matcher: EntityMatcher) -> bool:
    return ref.is_organization and matcher.org_kinds.get(ref.id) is OrganizationKind.media


def is_principal(ref: EntityRef, matcher: EntityMatcher) -> bool:
    """Whether an entity can make a sentence an event mention: a platform cannot alone, nor a person
    (except in personnel changes, see ``find_mentions``)."""
    return ref.is_model or (ref.is_organization and matcher.org_kinds.get(ref.id) is not OrganizationKind.platform)


def find_mentions(
    sentence: Sentence,
    matcher: EntityMatcher,
    lexicon: Lexicon,
    previous: list[Sentence] = (),
    lead_actors: list[EntityMention] = (),
) -> list[Mention]:
    """The event mentions of a sentence, each scoped to its clauses; ``previous`` are the
    sentences before it, nearest first, where a pronoun's person is looked for, and
    ``lead_actors`` the organizations the story's lead names: «стартап» or «компания» stand
    for the first, and a partnership with one party named is with the others.

    One mention per kind and clause: «покинул Суцкевер, а в августе перешёл Шульман» is two
    personnel mentions, each with its own person and date.
    """
    triggers = [t for t in sentence.triggers if not _is_negated(sentence, t, lexicon)]
    kinds = {t.kind for t in triggers}
    # «объявила о партнёрстве» is the partnership itself, not a separate announcement.
    if len(kinds) > 1:
        triggers = [t for t in triggers if t.kind is not EventKind.announcement]
    clauses = coordinate_clauses(sentence)
    kept: list[Trigger] = []
    for trigger in triggers:
        clause = clause_of(clauses, trigger.token_index)
        if not any(k.kind is trigger.kind and clause_of(clauses, k.token_index) == clause for k in kept):
            kept.append(trigger)
    if not kept:
        return []
    if len({k.kind for k in kept}) == 1 and kept[0].kind is not EventKind.personnel:
        # Several words for one event («инвестиция: Microsoft вложила …»): the verb carries its arguments.
        kept = [next((k for k in kept if sentence.tokens[k.token_index].is_verb), kept[0])]
    last = len(sentence.tokens) - 1
    scopes = {kept[0]: (0, last)} if len(kept) == 1 else clause_scopes(clauses, kept)
    mentions = [Mention(sentence, trigger, *scopes[trigger]) for trigger in kept]
    mentions = [m for m in mentions if not any(t.lemma in lexicon.plan for t in sentence.tokens[m.first : m.last + 1])]
    mentions = [m for m in mentions if not _is_circumstance(m, lexicon) and not _is_running_total(m, lexicon)]
    mentions = [_with_model_from_context(m, previous, matcher) for m in mentions]
    mentions = [second_look(m, clauses[clause_of(clauses, m.trigger.token_index)], lexicon, matcher) for m in mentions]
    mentions = [m for m in mentions if not _told_otherwise(m, lexicon, matcher)]
    mentions = [_with_pronoun_person(m, previous, matcher) for m in mentions]
    mentions = [_with_lead_actors(m, lead_actors, matcher) for m in mentions]
    return [m for m in mentions if _has_principal(m, matcher)]


def _told_otherwise(mention: Mention, lexicon: Lexicon, matcher: EntityMatcher) -> bool:
    """Whether the tree says the trigger tells no such event (``kb.extract.arguments``): it
    describes a thing, puts out a statement («выпустил предупреждение»), is demanded («требуют
    запретить»), or moves no person."""
    sentence, index = mention.sentence, mention.trigger.token_index
    if describes_a_thing(sentence, index, sentence.entities):
        return True
    if puts_out_a_statement(sentence, index, lexicon.statements) or is_demanded(sentence, index, lexicon.demand):
        return True
    if mention.kind is EventKind.lawsuit and mention.trigger.lemma in lexicon.court_verbs and not said_by_a_court(sentence, index):
        return True
    # «запретили продажу антивирусов», «одобрила сделку по покупке»: a deal an authority rules on
    # is the ruling's, told as one event.
    if mention.kind is not EventKind.regulation and _under_a_trigger_of(sentence, index, EventKind.regulation):
        return True
    # «приостановить», «одобрить», «ограничить» are regulation only when an authority does it.
    if mention.trigger.lemma in lexicon.needs_regulator and not any(
        matcher.org_kinds.get(ref.id) is OrganizationKind.regulator for ref in mention.participants(matcher) if ref.is_organization
    ):
        return True
    if mention.kind is not EventKind.personnel:
        return False
    word = sentence.tokens[index]
    # «Присоединившись к CoreWeave, мы сможем …»: a gerund tells a circumstance; «который
    # возглавляет Лян Вэньфэн», «возглавлял с 2019 года»: an office held, not a change.
    if _is_gerund(word) or (word.lemma in lexicon.holding and word.feats.get("Aspect") == "Imp"):
        return True
    return person_cannot_move(sentence, index, mention.trigger.lemma, sentence.entities)


def _is_gerund(word: Word) -> bool:
    """A gerund by the tagger and by the dictionary (the tagger calls «отстранивший» one too)."""
    return word.feats.get("VerbForm") == "Conv" and morph_analyzer().parse(word.text.lower())[0].tag.POS == "GRND"


def _under_a_trigger_of(sentence: Sentence, index: int, kind: EventKind) -> bool:
    """Whether the word at ``index`` hangs, within two steps, under a trigger of ``kind``."""
    heads = sentence.ancestors(index)[:2]
    return any(t.kind is kind and t.token_index in heads for t in sentence.triggers)


def _with_lead_actors(mention: Mention, lead_actors: list[EntityMention], matcher: EntityMatcher) -> Mention:
    if not lead_actors or mention.kind is EventKind.personnel:
        return mention
    named = {ref for ref in mention.participants(matcher) if ref.is_organization and is_principal(ref, matcher)}
    # «Партнёрство с Microsoft началось в 2019 году» in a story about Microsoft and OpenAI.
    if mention.kind is EventKind.partnership and len(named) == 1 and named < {m.entity for m in lead_actors}:
        return replace(mention, borrowed=(*mention.borrowed, *(m for m in lead_actors if m.entity not in named)))
    # «Летом стартап привлёк 105 млн евро»: the company is the one the story is about.
    if not _has_principal(mention, matcher) and any(_stands_for_the_company(mention.sentence, i) for i in range(mention.first, mention.last + 1)):
        return replace(mention, borrowed=(*mention.borrowed, lead_actors[0]))
    return mention


def _stands_for_the_company(sentence: Sentence, index: int) -> bool:
    """«стартап», «компания» alone stand for the company of the story; «крупнейшие российские
    компании» or «китайский стартап» speak of others."""
    word = sentence.tokens[index]
    if word.lemma not in COMPANY_NOUNS or word.feats.get("Number") == "Plur":
        return False
    return not any(sentence.tokens[i].rel == "amod" and sentence.tokens[i].lemma not in OWN_DETERMINERS for i in sentence.children(index))


def _with_model_from_context(mention: Mention, previous: list[Sentence], matcher: EntityMatcher) -> Mention:
    """«Модель появилась на Hugging Face … её опубликовал пользователь»: a release or a leak told of
    «модель», «веса» or «её» without a name is about the model named last before it."""
    if mention.kind not in MODEL_EVENTS or any(ref.is_model for ref in mention.participants(matcher)):
        return mention
    scope = mention.sentence.tokens[mention.first : mention.last + 1]
    if not any(t.lemma in MODEL_NOUNS or t.key in MODEL_PRONOUNS for t in scope):
        return mention
    earlier = [m for m in participant_mentions(mention.sentence, matcher) if m.entity.is_model and m.last_token < mention.first]
    for models in [earlier] + [[m for m in participant_mentions(s, matcher) if m.entity.is_model] for s in previous]:
        if models:
            return replace(mention, borrowed=(*mention.borrowed, models[-1]))
    return mention


def _with_pronoun_person(mention: Mention, previous: list[Sentence], matcher: EntityMatcher) -> Mention:
    if mention.kind is not EventKind.personnel:
        return mention
    named = [m for m in mention.entities(matcher) if m.entity.is_person]
    verb = mention.trigger.token_index
    # «Он займёт пост … и будет подчиняться Сатье Наделле»: «он» before the verb is the one who
    # moves; the people named after it are whom he meets there.
    clauses = coordinate_clauses(mention.sentence)
    clause_start = clauses[clause_of(clauses, mention.trigger.token_index)][0]
    pronoun_subject = any(t.key in SUBJECT_PRONOUNS for t in mention.sentence.tokens[max(mention.first, clause_start) : verb])
    if named and not (pronoun_subject and all(m.first_token > verb for m in named)):
        return mention
    tokens = mention.sentence.tokens
    # «вернутся к ней же»: a pronoun the tree hangs elsewhere than in the mover's slot names no mover.
    movers = [
        i
        for i in range(mention.first, mention.last + 1)
        if (tokens[i].lemma in PERSON_PRONOUNS or tokens[i].key in PERSON_PRONOUNS)
        and not (tokens[i].head == verb and tokens[i].rel in ("obl", "nmod"))
    ]
    if not movers:
        return mention
    # «Альтман станет директором, а совет, отстранивший его …»: an earlier clause names him.
    earlier = [m for m in mention.sentence.entities if m.entity.is_person and m.last_token < mention.first]
    for people in [earlier] + [[m for m in sentence.entities if m.entity.is_person] for sentence in previous]:
        if people:
            return replace(mention, borrowed=(people[-1],), pronoun_subject=bool(named))
    return mention


def _has_principal(mention: Mention, matcher: EntityMatcher) -> bool:
    refs = mention.participants(matcher)
    # A personnel change is about a person; a release or a leak about a model («опубликовала
    # заявление» releases nothing); other events about an organization or a model.
    if mention.kind is EventKind.personnel:
        return any(ref.is_person for ref in refs)
    if mention.still_to_come:  # «откроет доступ к своим моделям»: a plan, unless a model is named
        return any(ref.is_model for ref in refs)
    if mention.kind is EventKind.leak and any(is_principal(ref, matcher) for ref in refs):
        return True  # «утекли исходные коды сервисов «Яндекса»»: a leak of a company's code or data
    if mention.kind in MODEL_EVENTS:
        # «Саму модель компания выложила 8 декабря»: a model, if unnamed, then by its noun.
        scope = mention.sentence.tokens[mention.first : mention.last + 1]
        # «Веса выложены на Hugging Face»: where a model is put is no one who puts it.
        actors = {m.entity for m in mention.entities(matcher) if not is_hosting_place(mention.sentence.tokens, m)}
        unnamed_model = any(t.lemma in MODEL_NOUNS for t in scope) and any(is_principal(ref, matcher) for ref in actors)
        return unnamed_model or any(ref.is_model for ref in refs) or _presents_a_product(mention, actors, matcher)
    return any(is_principal(ref, matcher) for ref in refs)


def _presents_a_product(mention: Mention, actors: set[EntityRef], matcher: EntityMatcher) -> bool:
    """«Nvidia представила архитектуру Blackwell», «OpenAI запустила поисковик»: a company puts out
    a product the knowledge base has no model for, named by its noun."""
    if mention.kind is not EventKind.release or not any(is_principal(ref, matcher) for ref in actors):
        return False
    sentence = mention.sentence
    objects = arguments(sentence, mention.trigger.token_index, frozenset({"obj"}))
    return any(sentence.tokens[i].lemma in PRODUCT_NOUNS | PRODUCT_OBJECTS for i in objects)


def _is_circumstance(mention: Mention, lexicon: Lexicon) -> bool:
    verb = mention.trigger.token_index
    before = mention.sentence.tokens[max(0, verb - CIRCUMSTANCE_WINDOW) : verb]
    return not mention.sentence.dates and any(t.lemma in lexicon.circumstance for t in before)


def _is_running_total(mention: Mention, lexicon: Lexicon) -> bool:
    scope = mention.sentence.tokens[mention.first : mention.last + 1]
    return mention.kind is EventKind.investment and any(t.lemma in lexicon.total for t in scope)


def _is_negated(sentence: Sentence, trigger: Trigger, lexicon: Lexicon) -> bool:
    """«не выпустит», and a noun under a negated verb: «сроков запуска не называет»."""
    window = sentence.tokens[max(0, trigger.token_index - NEGATION_WINDOW) : trigger.token_index]
    if any(t.lemma in lexicon.negation for t in window):
        return True
    word = sentence.tokens[trigger.token_index]
    head = word.head
    if word.pos != "NOUN" or head < 0 or not sentence.tokens[head].is_verb:
        return False
    return any(sentence.tokens[i].lemma in lexicon.negation for i in sentence.children(head))
