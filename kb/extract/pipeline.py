"""From an article to the events it reports, with roles, people, evidence and confidence.

1. Learn what the knowledge base does not know yet: Latin-script model names with sizes
   (``model_names``) and people and organizations found by NER (``people``).
2. Split into sentences and find entities, triggers and dates (``mentions``); entities after
   a comparison cue («превосходит GPT-3») are there for comparison only.
3. Group mentions into dated events (``clusters``). An event still undated is kept only when
   the headline reports it: an undated aside deep in the text is background.
4. Roles come from the kinds of organizations and their place around the trigger; the
   evidence is the sentence that dates the event; the confidence drops for hedged reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from kb.dates import ResolvedDate
from kb.extract.clusters import BACKGROUND_AGE, Cluster, cluster_mentions, date_from_story, is_long_before, is_recalled
from kb.extract.matcher import EntityMatcher, EntityMention, NewEntity
from kb.extract.kinds import is_hosting_place
from kb.extract.clauses import mark_subordinate_clauses
from kb.extract.document import Document, Sentence
from kb.extract.mentions import MODEL_EVENTS, Mention, annotate_sentences, is_media, participants_of
from kb.extract.parsing import parse_sentences, split_sentences, tag_names
from kb.extract.model_names import learn_model_names, learn_variant_short_names
from kb.extract.organizations import learn_organizations
from kb.extract.people import learn_people
from kb.lexicon import Lexicon, load_lexicon
from kb.models import DateSource, EventKind, OrganizationKind, Role
from kb.names import tokenize
from kb.extract.roles import attachment, syntactic_role
from kb.extract.titles import event_title

# Confidence of an event by how it is reported.
HEDGED = 0.5  # «по слухам», «якобы»
UNDATED = 0.6  # only the headline reports it; dated by the publication
DATED_BY_STORY = 0.9  # the date comes from a neighbouring sentence
DATED_BY_PUBLICATION = 0.8  # told without a date: it happened when the article came out
BACKGROUND = 0.3  # recalled in passing: the article is no source that it happened
# Sentences of a body's lead (the headline is -1) whose cited outlets report the lead's story.
LEAD_REPORTED = 3
# Prepositions before the place a product goes to, after its release verb.
PLACE_PREPOSITIONS = frozenset({"в", "на", "через"})
# Words that stand for an entity named elsewhere («стартап», «компания», «она»).
STAND_IN_WORDS = frozenset({"стартап", "компания", "корпорация", "разработчик", "он", "она", "они", "его", "ее", "их"})
# How long before an undated article's latest event its other events may be news still.
UNDATED_BACKGROUND_AGE = timedelta(days=365)


@dataclass
class ExtractedEvent:
    """An event as one article reports it, not yet merged with the knowledge base.

    Ids of entities the knowledge base does not know yet are negative; ``new_entities``
    describes them.
    """

    kind: EventKind
    title: str
    date: ResolvedDate | None
    models: list[int]
    organizations: list[tuple[int, Role]]
    quote_start: int  # offsets of the evidence sentence in the article body
    quote_end: int
    people: list[int] = field(default_factory=list)
    confidence: float = 1.0
    date_source: DateSource | None = None
    background: bool = False  # recalled in passing («Маск покинул совет в 2018 году»), not reported
    new_entities: list[NewEntity] = field(default_factory=list)


def learn_names(doc: Document) -> None:
    """Teach the article's matcher the names the knowledge base does not know yet."""
    matcher = doc.matcher
    learn_model_names(doc.title, tokenize(doc.title), matcher)
    body_tokens = tokenize(doc.text)
    learn_model_names(doc.text, body_tokens, matcher)
    learn_variant_short_names(doc.text, body_tokens, matcher)
    learn_people(doc)
    learn_organizations(doc)


# The steps, in order; each takes the document and adds one layer.
STEPS = (split_sentences, parse_sentences, tag_names, mark_subordinate_clauses, learn_names, annotate_sentences)


def extract_events(
    title: str, text: str, published: date | None, matcher: EntityMatcher, lexicon: Lexicon | None = None
) -> list[ExtractedEvent]:
    """The events an article reports.

    ``published`` anchors dates written without a year; without it such dates stay
    partial (``XXXX-03-03``) for the ingestion layer to complete.
    """
    doc = Document(title, text, published, matcher.for_article(), lexicon or load_lexicon())
    for step in STEPS:
        step(doc)
    sentences, matcher, lexicon = doc.sentences, doc.matcher, doc.lexicon
    clusters = cluster_mentions(sentences, matcher, lexicon, doc.published)
    for cluster in clusters:
        if cluster.date is None:
            date_from_story(cluster, sentences, matcher, doc.published)
    # An undated article's latest event stands for its news day, but a retrospective tells a
    # year of news: only what lies a year before it is recalled.
    news_day, age = (doc.published, BACKGROUND_AGE) if doc.published else (_latest_event_day(clusters), UNDATED_BACKGROUND_AGE)
    events = []
    for cluster in clusters:
        if cluster.date is None and not any(s.is_headline for s in cluster.sentences()):
            continue
        event = _to_event(cluster, sentences, matcher, lexicon)
        if event is not None:
            if _is_background(cluster, news_day, age, lexicon):
                event.background, event.confidence = True, BACKGROUND
            events.append(event)
    return events


def _latest_event_day(clusters: list[Cluster]) -> date | None:
    """An undated article's news day: the latest day its events are told with (a plan's date,
    «вступят в силу 15 августа», is none)."""
    ends = [
        c.date.end
        for c in clusters
        if c.date is not None and c.date.end is not None and not all(m.still_to_come for m in c.mentions)
    ]
    return max(ends, default=None)


def _is_background(cluster: Cluster, news_day: date | None, age: timedelta, lexicon: Lexicon) -> bool:
    """Whether the article recalls the event rather than reports it: dated well before its news
    («в 2018 году Маск покинул совет»), or told as a reminder («ранее», «напомним»)."""
    if any(s.is_headline for s in cluster.sentences()):
        return False
    return is_long_before(cluster.date, news_day, age) or all(is_recalled(m, lexicon) for m in cluster.mentions)


# --- step 4: roles, title, evidence, confidence --------------------------------------------------


def _to_event(cluster: Cluster, sentences: list[Sentence], matcher: EntityMatcher, lexicon: Lexicon) -> ExtractedEvent | None:
    # The evidence is the sentence that dates the event, unless the date is only the story's:
    # then the sentence that tells the event.
    evidence = cluster.date_sentence if cluster.date_sentence and not cluster.date_sentence.is_headline else None
    if cluster.dated_by_lead:
        evidence = next((s for s in cluster.sentences() if not s.is_headline), evidence)
    evidence = evidence or next((s for s in cluster.sentences() if not s.is_headline), None)
    # A headline-only event is quoted where the body first names one of its participants.
    own = cluster.participants(matcher)
    evidence = evidence or next((s for s in sentences if not s.is_headline and own & set(participants_of(s, matcher))), None)
    if evidence is None:
        return None
    models: list[int] = []
    people: list[int] = []
    roles: dict[int, Role] = {}
    has_body = any(not m.sentence.is_headline for m in cluster.mentions)
    for mention in cluster.mentions:
        for entity in mention.entities(matcher):
            ref = entity.entity
            if ref.is_model:
                if ref.id not in models:
                    models.append(ref.id)
            elif ref.is_person:
                # A headline sums up («Суцкевер уходит, его место занял Пахоцкий»); the body
                # tells whom each change is about.
                if ref.id not in people and not (mention.sentence.is_headline and has_body):
                    people.append(ref.id)
            else:
                roles.setdefault(ref.id, _role(mention, entity, matcher, lexicon))
    for org_id in cluster.platforms:
        roles.setdefault(org_id, Role.platform)
    for org_id in _reporters(cluster, sentences, matcher):
        roles.setdefault(org_id, Role.reporter)
    for model_id in models:
        developer = matcher.model_developer.get(model_id)
        if developer is not None:
            roles.setdefault(developer, Role.developer)
    organizations = list(roles.items())
    if cluster.kind is EventKind.partnership and sum(role is Role.partner for _, role in organizations) < 2:
        return None  # a partnership needs two named parties; one alone is a passing remark
    used = {("model", m) for m in models} | {("person", p) for p in people} | {("organization", o) for o, _ in organizations}
    return ExtractedEvent(
        kind=cluster.kind,
        title=event_title(cluster.kind, models, organizations, matcher, people),
        date=cluster.date,
        models=models,
        organizations=organizations,
        quote_start=evidence.start,
        quote_end=evidence.end,
        people=people,
        confidence=_confidence(cluster, lexicon),
        date_source=cluster.date_source,
        new_entities=[e for ref, e in matcher.new_entities.items() if (ref.type, ref.id) in used],
    )


def _confidence(cluster: Cluster, lexicon: Lexicon) -> float:
    """How sure the report is: hedged, undated, dated by publication or from the story around it count less."""
    if any(t.lemma in lexicon.hedge for s in cluster.sentences() for t in s.tokens):
        return HEDGED
    if cluster.date is None:
        return UNDATED
    if cluster.date_source is DateSource.publication:
        return DATED_BY_PUBLICATION
    if cluster.date_sentence is not None and cluster.date_sentence not in cluster.sentences():
        return DATED_BY_STORY
    return 1.0


def _role(mention: Mention, entity: EntityMention, matcher: EntityMatcher, lexicon: Lexicon) -> Role:
    kind, trigger = mention.kind, mention.trigger
    org_kind = matcher.org_kinds.get(entity.entity.id)
    if org_kind is OrganizationKind.platform or (kind in MODEL_EVENTS and is_hosting_place(mention.sentence.tokens, entity)):
        return Role.platform
    if org_kind is OrganizationKind.regulator:
        return Role.regulator
    if kind is EventKind.investment and trigger.lemma in lexicon.investors_only:
        return Role.investor
    # A borrowed entity («стартап» for the lead's company) stands where its stand-in word does.
    entity = entity if entity not in mention.borrowed else _stand_in(mention, entity)
    slot = attachment(mention.sentence, trigger.token_index, entity)
    role = syntactic_role(kind, trigger.receiver_first, slot) if slot is not None else None
    if role is not None:
        return role
    after_trigger = (entity.first_token > trigger.token_index) != trigger.receiver_first
    if kind is EventKind.investment:
        return Role.target if after_trigger else Role.investor
    if kind in (EventKind.acquisition, EventKind.lawsuit):
        return Role.target if after_trigger else Role.subject
    if kind is EventKind.regulation:
        return Role.target
    if kind is EventKind.partnership:
        return Role.partner
    # «станет доступна клиентам в Azure», «через Amazon Bedrock»: where the product goes.
    before = mention.sentence.tokens[entity.first_token - 1].lemma if entity.first_token > 0 else ""
    if after_trigger and before in PLACE_PREPOSITIONS:
        return Role.platform
    return Role.subject


def _stand_in(mention: Mention, entity: EntityMention) -> EntityMention:
    """The word of the mention's sentence a borrowed entity stands for: a company noun or a pronoun."""
    tokens = mention.sentence.tokens
    word = next(
        (i for i in range(mention.first, mention.last + 1) if tokens[i].lemma in STAND_IN_WORDS or tokens[i].key in STAND_IN_WORDS),
        mention.trigger.token_index,
    )
    return EntityMention(entity.entity, word, word, tokens[word].start, tokens[word].end)


def _reporters(cluster: Cluster, sentences: list[Sentence], matcher: EntityMatcher) -> list[int]:
    """News outlets the article cites for this event («как сообщает The Verge»): in a sentence
    that tells it or next to one; for the story of the headline and lead, in the lead."""
    told = {s.index for s in cluster.sentences()}
    near = {i + step for i in told for step in (-1, 0, 1)}
    if any(i < LEAD_REPORTED for i in told):
        near |= set(range(LEAD_REPORTED))
    return [
        m.entity.id
        for s in sentences
        if s.cites_source and s.index in near
        for m in s.entities
        if is_media(m.entity, matcher)
    ]
