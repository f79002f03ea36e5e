"""Events in one article: mentions grouped into events, dated, with roles and evidence.

The steps, for a headline and a body (``kb.mentions`` does 1-3):

1. Split the body into sentences; the headline is a sentence of its own before them.
2. Find entities, triggers and dates in each sentence; entities after a comparison cue
   («превосходит GPT-3») are there for comparison only.
3. A non-negated trigger with a principal participant (a model, or an organization other
   than a platform or a cited outlet) is an event mention.
4. Mentions of one kind that share a participant and whose dates agree form one event.
5. An event whose mentions carry no date takes it from the story around them: the rest of
   their sentences, then the next two sentences or the previous one, as long as these stay
   on the same story (no other event, no other actor). An event still undated is kept only
   when the headline reports it: an undated aside deep in the text is background.
6. Roles come from the kinds of organizations and their place around the trigger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kb.dates import ResolvedDate
from kb.lexicon import Lexicon, load_lexicon
from kb.extract.matcher import MODEL, EntityMatcher, EntityMention, EntityRef
from kb.extract.mentions import (
    Mention,
    Sentence,
    analyse,
    find_mentions,
    is_media,
    is_principal,
    participants_of,
)
from kb.models import EventKind, OrganizationKind, Role
from kb.titles import event_title

# How far from a mention the story around it may supply the event's date.
FOLLOWING_SENTENCES = 2
PRECEDING_SENTENCES = 1


@dataclass
class ExtractedEvent:
    """An event as one article reports it, not yet merged with the knowledge base."""

    kind: EventKind
    title: str
    date: ResolvedDate | None
    models: list[int]
    organizations: list[tuple[int, Role]]
    quote_start: int  # offsets of the evidence sentence in the article body
    quote_end: int


@dataclass
class _Cluster:
    kind: EventKind
    mentions: list[Mention] = field(default_factory=list)
    date: ResolvedDate | None = None
    date_sentence: Sentence | None = None
    platforms: list[int] = field(default_factory=list)

    def participants(self, matcher: EntityMatcher) -> set[EntityRef]:
        return {ref for mention in self.mentions for ref in mention.participants(matcher)}

    def sentences(self) -> list[Sentence]:
        return [m.sentence for m in self.mentions]


def extract_events(
    title: str, text: str, published: date | None, matcher: EntityMatcher, lexicon: Lexicon | None = None
) -> list[ExtractedEvent]:
    """The events an article reports.

    ``published`` anchors dates written without a year; without it such dates stay
    partial (``XXXX-03-03``) for the ingestion layer to complete.
    """
    lexicon = lexicon or load_lexicon()
    sentences = analyse(title, text, published, matcher, lexicon)
    clusters = _cluster(sentences, matcher, lexicon)
    events = []
    for cluster in clusters:
        if cluster.date is None:
            _date_from_story(cluster, sentences, matcher)
        if cluster.date is None and not any(s.is_headline for s in cluster.sentences()):
            continue
        event = _to_event(cluster, sentences, matcher, lexicon)
        if event is not None:
            events.append(event)
    return events


# --- step 3-4: mentions and clusters ---------------------------------------------------------


def _cluster(sentences: list[Sentence], matcher: EntityMatcher, lexicon: Lexicon) -> list[_Cluster]:
    mentions = [m for sentence in sentences for m in find_mentions(sentence, matcher, lexicon)]
    clusters: list[_Cluster] = []
    # Dated mentions first: each date that disagrees with the others is another event.
    for mention in sorted(mentions, key=lambda m: not m.dates()):
        own_dates = mention.dates()
        when = own_dates[0] if own_dates else None
        home = _find_cluster(clusters, mention, when, matcher)
        if home is None:
            home = _Cluster(mention.kind)
            clusters.append(home)
        home.mentions.append(mention)
        if home.date is None and when is not None:
            home.date, home.date_sentence = when, mention.sentence
    _fold_announcements_into_releases(clusters, matcher)
    _fold_headline_into_body(clusters)
    for cluster in clusters:
        cluster.mentions.sort(key=lambda m: m.sentence.index)
    clusters.sort(key=lambda c: c.mentions[0].sentence.index)
    return clusters


def _shares_participant(cluster: _Cluster, refs: set[EntityRef], matcher: EntityMatcher) -> bool:
    mine = {_family_key(ref, matcher) for ref in cluster.participants(matcher) if is_principal(ref, matcher)}
    return bool(mine & {_family_key(ref, matcher) for ref in refs if is_principal(ref, matcher)})


def _family_key(ref: EntityRef, matcher: EntityMatcher) -> EntityRef:
    return EntityRef(MODEL, matcher.family_root(ref.id)) if ref.is_model else ref


def _find_cluster(
    clusters: list[_Cluster], mention: Mention, when: ResolvedDate | None, matcher: EntityMatcher
) -> _Cluster | None:
    refs = mention.participants(matcher)
    candidates = [
        c
        for c in clusters
        if c.kind is mention.kind and _shares_participant(c, refs, matcher) and dates_agree(c.date, when)
    ]
    # An undated mention belongs to the nearest story it shares a participant with.
    index = mention.sentence.index
    return min(candidates, key=lambda c: min(abs(s.index - index) for s in c.sentences()), default=None)


def dates_agree(a: ResolvedDate | None, b: ResolvedDate | None) -> bool:
    """Whether two dates can be the same event's: unknown agrees with anything, intervals overlap."""
    if a is None or b is None:
        return True
    if a.start is None or b.start is None:
        return _without_year(a.value) == _without_year(b.value) != ""
    return a.start <= b.end and b.start <= a.end


def _without_year(value: str) -> str:
    """``2023-03-03`` and ``XXXX-03-03`` -> ``03-03``; a bare year -> empty."""
    return value[5:] if len(value) > 5 and value[4] == "-" else ""


def _fold_announcements_into_releases(clusters: list[_Cluster], matcher: EntityMatcher) -> None:
    # «представила LLaMA» and «о запуске LLaMA» in one article are the same release.
    for announcement in [c for c in clusters if c.kind is EventKind.announcement]:
        for release in clusters:
            if (
                release.kind is EventKind.release
                and _shares_participant(release, announcement.participants(matcher), matcher)
                and dates_agree(release.date, announcement.date)
            ):
                release.mentions.extend(announcement.mentions)
                if release.date is None:
                    release.date, release.date_sentence = announcement.date, announcement.date_sentence
                clusters.remove(announcement)
                break


def _fold_headline_into_body(clusters: list[_Cluster]) -> None:
    # A headline names things loosely («Grok» for «Grok-1»); when it reports an event of a
    # kind the body reports too, it is the body's first such event.
    for headline in [c for c in clusters if all(s.is_headline for s in c.sentences())]:
        body = next((c for c in clusters if c.kind is headline.kind and c is not headline), None)
        if body is not None:
            body.mentions.extend(headline.mentions)
            clusters.remove(headline)


# --- step 5: the date from the story around the mentions ---------------------------------------


def _date_from_story(cluster: _Cluster, sentences: list[Sentence], matcher: EntityMatcher) -> None:
    by_index = {s.index: s for s in sentences}
    own = cluster.participants(matcher)
    for sentence in cluster.sentences():
        if sentence.dates:
            # The mention's own sentence dates it, even when the date sits in another clause.
            cluster.date, cluster.date_sentence = sentence.dates[0], sentence
            return
    for sentence in cluster.sentences():
        following = [by_index.get(sentence.index + k) for k in range(1, FOLLOWING_SENTENCES + 1)]
        preceding = [by_index.get(sentence.index - k) for k in range(1, PRECEDING_SENTENCES + 1)]
        for neighbour in [*_while_on_story(following, cluster.kind, own, matcher), *_while_on_story(preceding, cluster.kind, own, matcher)]:
            cluster.platforms.extend(
                m.entity.id
                for m in neighbour.entities
                if not m.entity.is_model and matcher.org_kinds.get(m.entity.id) is OrganizationKind.platform
            )
            if neighbour.dates:
                cluster.date, cluster.date_sentence = neighbour.dates[0], neighbour
                return


def _while_on_story(
    neighbours: list[Sentence | None], kind: EventKind, own: set[EntityRef], matcher: EntityMatcher
) -> list[Sentence]:
    """The neighbours up to the first that leaves the story (another event, another actor)."""
    story = []
    for sentence in neighbours:
        if sentence is None or sentence.is_headline:
            break
        principals = [ref for ref in participants_of(sentence, matcher) if is_principal(ref, matcher)]
        if any(ref not in own for ref in principals):
            break
        # A trigger of another kind with an actor of its own is another event; without
        # one («архив выложили на 4chan») it is this story told in other words.
        if principals and any(t.kind is not kind for t in sentence.triggers):
            break
        story.append(sentence)
    return story


# --- step 6: roles, title, evidence --------------------------------------------------------------


def _to_event(cluster: _Cluster, sentences: list[Sentence], matcher: EntityMatcher, lexicon: Lexicon) -> ExtractedEvent | None:
    evidence = cluster.date_sentence if cluster.date_sentence and not cluster.date_sentence.is_headline else None
    evidence = evidence or next((s for s in cluster.sentences() if not s.is_headline), None)
    # A headline-only event is quoted where the body first names one of its participants.
    own = cluster.participants(matcher)
    evidence = evidence or next((s for s in sentences if not s.is_headline and own & set(participants_of(s, matcher))), None)
    if evidence is None:
        return None
    models: list[int] = []
    roles: dict[int, Role] = {}
    for mention in cluster.mentions:
        for entity in mention.entities(matcher):
            if entity.entity.is_model:
                if entity.entity.id not in models:
                    models.append(entity.entity.id)
            else:
                roles.setdefault(entity.entity.id, _role(mention, entity, matcher))
    for org_id in cluster.platforms:
        roles.setdefault(org_id, Role.platform)
    for org_id in _reporters(sentences, matcher, lexicon):
        roles.setdefault(org_id, Role.reporter)
    for model_id in models:
        developer = matcher.model_developer.get(model_id)
        if developer is not None:
            roles.setdefault(developer, Role.developer)
    organizations = list(roles.items())
    if cluster.kind is EventKind.partnership and sum(role is Role.partner for _, role in organizations) < 2:
        return None  # a partnership needs two named parties; one alone is a passing remark
    return ExtractedEvent(
        kind=cluster.kind,
        title=event_title(cluster.kind, models, organizations, matcher),
        date=cluster.date,
        models=models,
        organizations=organizations,
        quote_start=evidence.start,
        quote_end=evidence.end,
    )


def _role(mention: Mention, entity: EntityMention, matcher: EntityMatcher) -> Role:
    kind, trigger = mention.kind, mention.trigger
    org_kind = matcher.org_kinds.get(entity.entity.id)
    if org_kind is OrganizationKind.platform:
        return Role.platform
    if org_kind is OrganizationKind.regulator:
        return Role.regulator
    after_trigger = (entity.first_token > trigger.token_index) != trigger.receiver_first
    if kind is EventKind.investment:
        return Role.target if after_trigger else Role.investor
    if kind in (EventKind.acquisition, EventKind.lawsuit):
        return Role.target if after_trigger else Role.subject
    if kind is EventKind.regulation:
        return Role.target
    if kind is EventKind.partnership:
        return Role.partner
    return Role.subject


def _reporters(sentences: list[Sentence], matcher: EntityMatcher, lexicon: Lexicon) -> list[int]:
    """News outlets the article cites («как сообщает The Verge»)."""
    return [
        m.entity.id
        for s in sentences
        if s.cites_source
        for m in s.entities
        if is_media(m.entity, matcher)
    ]
