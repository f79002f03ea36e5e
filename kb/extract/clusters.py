"""Event mentions grouped into events, and each event's date.

Mentions of one kind that share a participant and whose dates agree form one event (for
personnel changes the participant that counts is the person, when one is named). An event
whose mentions carry no date takes it from the story around them: the rest of their
sentences, then the next two sentences or the previous one, as long as these stay on the
same story (no other event, no other actor), and last, for a follow-up («вслед за ним»,
«в тот же день»), from the article's lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from kb.dates import Anchor, Precision, ResolvedDate
from kb.extract.matcher import MODEL, EntityMatcher, EntityRef
from kb.extract.document import Sentence
from kb.extract.clauses import in_foreign_segment
from kb.extract.temporal import free_dates
from kb.extract.mentions import MODEL_EVENTS, Mention, find_mentions, is_principal, participant_mentions, participants_of
from kb.lexicon import Lexicon
from kb.models import DateSource, EventKind, OrganizationKind
from kb.names import is_future_tense

# How far from a mention the story around it may supply the event's date.
FOLLOWING_SENTENCES = 2
PRECEDING_SENTENCES = 1
# Words that tell a follow-up of the story's lead («вслед за ним уходит …»).
# Sentences at the start of a body that tell the lead's story.
LEAD_SENTENCES = 4
# How many sentences back a partnership told without its parties looks for them.
LOOK_BACK_FOR_PARTIES = 2
# How far apart an article may date one model's release and still mean one release.
SAME_RELEASE_WITHIN = timedelta(days=7)
# Deals a story names again by their noun («раунд», «сделка», «иск»), and how soon after.
RETOLD_KINDS = frozenset({EventKind.investment, EventKind.acquisition, EventKind.lawsuit})
RETOLD_WITHIN = 2
# An event dated this long before an article's news is recalled, not reported.
BACKGROUND_AGE = timedelta(days=30)
# How long after the lead's date an article may come out and the date still be the news's day.
NEWS_DAYS = timedelta(days=7)
FOLLOW_ON_CUES = frozenset({"вслед", "следом", "одновременно", "позднее", "затем"})


@dataclass
class Cluster:
    kind: EventKind
    mentions: list[Mention] = field(default_factory=list)
    date: ResolvedDate | None = None
    date_sentence: Sentence | None = None
    dated_by_lead: bool = False  # the date is the story's, not told with the event
    date_source: DateSource | None = None
    platforms: list[int] = field(default_factory=list)

    def participants(self, matcher: EntityMatcher) -> set[EntityRef]:
        return {ref for mention in self.mentions for ref in mention.participants(matcher)}

    def sentences(self) -> list[Sentence]:
        return [m.sentence for m in self.mentions]


# --- step 3-4: mentions and clusters ---------------------------------------------------------


def cluster_mentions(sentences: list[Sentence], matcher: EntityMatcher, lexicon: Lexicon, published: date | None) -> list[Cluster]:
    lead = next((s for s in sentences if not s.is_headline and _principal_orgs(s, matcher)), None)
    lead_actors = _principal_orgs(lead, matcher) if lead else []
    mentions = [
        m
        for i, sentence in enumerate(sentences)
        for m in find_mentions(
            sentence, matcher, lexicon, [s for s in sentences[max(0, i - 2) : i][::-1] if not s.is_headline], lead_actors
        )
    ]
    mentions += _partnerships_named_before(sentences, mentions, matcher)
    clusters: list[Cluster] = []
    # Dated mentions first: each date that disagrees with the others is another event.
    for mention in sorted(mentions, key=lambda m: not m.dates()):
        own_dates = mention.dates()
        when = own_dates[0] if own_dates else None
        home = _find_cluster(clusters, mention, when, matcher, lexicon, published)
        if home is None:
            home = Cluster(mention.kind)
            clusters.append(home)
        home.mentions.append(mention)
        if home.date is None and when is not None:
            home.date, home.date_sentence, home.date_source = when, mention.sentence, DateSource.text
    _fold_releases_into_papers(clusters, matcher)
    _fold_unowned_releases_into_leaks(clusters, matcher)
    _fold_announcements_into_releases(clusters, matcher)
    _date_promises_by_release(clusters, matcher)
    _fold_headline_into_body(clusters)
    _fold_one_release_told_twice(clusters, matcher)
    _presented_but_not_yet_available(clusters, sentences, matcher, lexicon)
    for cluster in clusters:
        cluster.mentions.sort(key=lambda m: m.sentence.index)
    clusters.sort(key=lambda c: c.mentions[0].sentence.index)
    return clusters


def _principal_orgs(sentence: Sentence, matcher: EntityMatcher) -> list:
    return [m for m in participant_mentions(sentence, matcher) if m.entity.is_organization and is_principal(m.entity, matcher)]


def _partnerships_named_before(sentences: list[Sentence], mentions: list[Mention], matcher: EntityMatcher) -> list[Mention]:
    """«Сделка предполагает стратегическое партнёрство»: a partnership whose parties the
    previous sentences named («Microsoft инвестирует в OpenAI») is a mention there."""
    found = []
    with_mentions = {m.sentence.index for m in mentions}
    by_index = {s.index: s for s in sentences}
    for sentence in sentences:
        trigger = next((t for t in sentence.triggers if t.kind is EventKind.partnership), None)
        if trigger is None or sentence.is_headline or sentence.index in with_mentions:
            continue
        # «OpenAI договорилась о привлечении …»: a sentence that names its own actor tells its own story.
        if any(is_principal(ref, matcher) for ref in participants_of(sentence, matcher)):
            continue
        for back in range(1, LOOK_BACK_FOR_PARTIES + 1):
            source = by_index.get(sentence.index - back)
            if source is None or source.is_headline:
                break
            parties = {ref for ref in participants_of(source, matcher) if ref.is_organization and is_principal(ref, matcher)}
            if len(parties) >= 2:
                found.append(Mention(source, trigger, 0, len(source.tokens) - 1))
                break
    return found


def _shares_participant(cluster: Cluster, refs: set[EntityRef], matcher: EntityMatcher) -> bool:
    # A personnel change is about its people: Altman's dismissal and Murati's appointment
    # at the same company on the same day are two events.
    if cluster.kind is EventKind.personnel:
        my_people = {ref for ref in cluster.participants(matcher) if ref.is_person}
        their_people = {ref for ref in refs if ref.is_person}
        if my_people and their_people:
            return bool(my_people & their_people)
    # A release or a leak is about its models: two models one company put out the same day are
    # two events, unless one is of the other's family.
    if cluster.kind in MODEL_EVENTS:
        my_models = {_family_key(ref, matcher) for ref in cluster.participants(matcher) if ref.is_model}
        their_models = {_family_key(ref, matcher) for ref in refs if ref.is_model}
        if my_models and their_models:
            return bool(my_models & their_models)
    mine = {_family_key(ref, matcher) for ref in cluster.participants(matcher) if is_principal(ref, matcher)}
    return bool(mine & {_family_key(ref, matcher) for ref in refs if is_principal(ref, matcher)})


def _family_key(ref: EntityRef, matcher: EntityMatcher) -> EntityRef:
    return EntityRef(MODEL, matcher.family_root(ref.id)) if ref.is_model else ref


def _find_cluster(
    clusters: list[Cluster],
    mention: Mention,
    when: ResolvedDate | None,
    matcher: EntityMatcher,
    lexicon: Lexicon,
    published: date | None,
) -> Cluster | None:
    refs = mention.participants(matcher)
    recalled = is_recalled(mention, lexicon)
    candidates = [
        c
        for c in clusters
        if c.kind is mention.kind
        and _shares_participant(c, refs, matcher)
        and dates_agree(c.date, when)
        and _same_direction(c.mentions[0], mention, lexicon)
        # The news and a reminder of an earlier event of its kind are two events.
        and all(is_recalled(m, lexicon) == recalled for m in c.mentions)
        and not (when is None and is_long_before(c.date, published))
    ]
    # An undated mention belongs to the nearest story it shares a participant with.
    index = mention.sentence.index
    nearest = min(candidates, key=lambda c: min(abs(s.index - index) for s in c.sentences()), default=None)
    return nearest or _story_told_just_before(clusters, mention, when, published)


def _story_told_just_before(
    clusters: list[Cluster], mention: Mention, when: ResolvedDate | None, published: date | None
) -> Cluster | None:
    """«… привлекла 385 млн евро. Раунд возглавил фонд Andreessen Horowitz»: a deal named again
    without its principal, right after a deal of its kind, is that deal."""
    if mention.kind not in RETOLD_KINDS or mention.sentence.is_headline:
        return None
    index = mention.sentence.index
    return next(
        (
            c
            for c in reversed(clusters)
            if c.kind is mention.kind
            and dates_agree(c.date, when)
            and any(0 < index - s.index <= RETOLD_WITHIN for s in c.sentences() if not s.is_headline)
        ),
        None,
    )


def is_recalled(mention: Mention, lexicon: Lexicon) -> bool:
    """Whether a mention reminds of an earlier event («Ранее Microsoft вложила …», «Напомним, …»):
    a reminder word of the trigger's own clause, before it (not «…, с помощью которого
    исследователи ранее установили рекорды» after it)."""
    sentence, trigger = mention.sentence, mention.trigger.token_index
    return any(
        sentence.tokens[i].lemma in lexicon.recall and not in_foreign_segment(sentence, i, trigger)
        for i in range(mention.first, trigger)
    )


def is_long_before(when: ResolvedDate | None, news_day: date | None, age: timedelta = BACKGROUND_AGE) -> bool:
    """Whether a date lies so long before an article's news that the article can only recall it."""
    return when is not None and when.end is not None and news_day is not None and when.end < news_day - age


def _same_direction(a: Mention, b: Mention, lexicon: Lexicon) -> bool:
    # A departure («отправил в отставку») and an arrival («вернётся на пост») of one person
    # are two personnel changes.
    if a.kind is not EventKind.personnel:
        return True
    return (a.trigger.lemma in lexicon.departure) == (b.trigger.lemma in lexicon.departure)


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


def _fold_announcements_into_releases(clusters: list[Cluster], matcher: EntityMatcher) -> None:
    # «представила LLaMA» and «о запуске LLaMA» in one article are the same release; «Haiku
    # станет доступна позже» is not part of the release of its siblings.
    for announcement in [c for c in clusters if c.kind is EventKind.announcement and not all(m.still_to_come for m in c.mentions)]:
        for release in clusters:
            if (
                release.kind is EventKind.release
                and _shares_participant(release, announcement.participants(matcher), matcher)
                and dates_agree(release.date, announcement.date)
            ):
                release.mentions.extend(announcement.mentions)
                if release.date is None:
                    release.date, release.date_sentence = announcement.date, announcement.date_sentence
                    release.date_source = announcement.date_source
                clusters.remove(announcement)
                break


def _fold_unowned_releases_into_leaks(clusters: list[Cluster], matcher: EntityMatcher) -> None:
    # «Исходный код Grok-1 оказался в открытом доступе. Архив выложили на 4chan 10 марта»: a model
    # put out by no one named, in a story of its leak, is the leak told again.
    for release in [c for c in clusters if c.kind is EventKind.release]:
        owners = [ref for ref in release.participants(matcher) if ref.is_organization and is_principal(ref, matcher)]
        if owners:
            continue
        models = {_family_key(ref, matcher) for ref in release.participants(matcher) if ref.is_model}
        leak = next(
            (
                c
                for c in clusters
                if c.kind is EventKind.leak
                and models & {_family_key(ref, matcher) for ref in c.participants(matcher)}
                and dates_agree(c.date, release.date)
            ),
            None,
        )
        if leak is not None:
            leak.mentions.extend(replace(m, trigger=replace(m.trigger, kind=EventKind.leak)) for m in release.mentions)
            # The day the model was put out is the leak's, rather than the day its maker spoke of it.
            if release.date is not None and (leak.date is None or release.date_source is DateSource.text):
                leak.date, leak.date_sentence, leak.date_source = release.date, release.date_sentence, release.date_source
            clusters.remove(release)


def _fold_releases_into_papers(clusters: list[Cluster], matcher: EntityMatcher) -> None:
    # «Исследователи Google представили Transformer» in the headline of a story about the
    # paper that describes it: the model was presented in the paper, not released.
    for paper in [c for c in clusters if c.kind is EventKind.announcement and any(m.in_a_paper for m in c.mentions)]:
        for release in [c for c in clusters if c.kind is EventKind.release]:
            if _shares_participant(release, paper.participants(matcher), matcher) and dates_agree(release.date, paper.date):
                paper.mentions.extend(release.mentions)
                clusters.remove(release)


def _date_promises_by_release(clusters: list[Cluster], matcher: EntityMatcher) -> None:
    # «представила Claude 3: Haiku, Sonnet и Opus … Haiku станет доступна позже»: a model the
    # release names and promises for later was announced that day. A promise about a model
    # the release does not name («сначала Gemini Pro станет доступна в Bard») is a detail of
    # the rollout and stays undated.
    for promise in [c for c in clusters if c.date is None and all(m.still_to_come for m in c.mentions)]:
        models = {ref for ref in promise.participants(matcher) if ref.is_model}
        release = next(
            (c for c in clusters if c.kind is EventKind.release and c.date is not None and models & c.participants(matcher)),
            None,
        )
        if release is not None:
            promise.date, promise.date_sentence = release.date, release.date_sentence
            promise.date_source = DateSource.story


def _fold_one_release_told_twice(clusters: list[Cluster], matcher: EntityMatcher) -> None:
    # «Саму модель компания выложила ещё в пятницу, 8 декабря … в понедельник официально
    # представила»: one model's release told on two days of one week is one release, on the first.
    releases = sorted((c for c in clusters if c.kind is EventKind.release and c.date is not None and c.date.start), key=lambda c: c.date.start)
    for later in releases:
        models = {_family_key(ref, matcher) for ref in later.participants(matcher) if ref.is_model}
        first = next(
            (
                c
                for c in releases
                if c is not later
                and c in clusters
                and c.date.start <= later.date.start <= c.date.start + SAME_RELEASE_WITHIN
                and models
                and models == {_family_key(ref, matcher) for ref in c.participants(matcher) if ref.is_model}
            ),
            None,
        )
        if first is not None and later in clusters:
            first.mentions.extend(later.mentions)
            clusters.remove(later)


def _presented_but_not_yet_available(
    clusters: list[Cluster], sentences: list[Sentence], matcher: EntityMatcher, lexicon: Lexicon
) -> None:
    """«Apple представила Apple Intelligence … Функции появятся осенью»: a product presented and
    promised for later is announced, not released; one the story calls available is released.

    The promise is any later sentence of the article that names nothing but the product's story
    (no other principal): a sentence about another product promises that one."""
    for cluster in clusters:
        if cluster.kind is not EventKind.release or not all(
            m.trigger.lemma in lexicon.presentation or m.still_to_come for m in cluster.mentions
        ):
            continue
        told = [s.index for s in cluster.sentences() if not s.is_headline]
        own = {_family_key(ref, matcher) for ref in cluster.participants(matcher) if is_principal(ref, matcher)}
        story = [
            s
            for s in sentences
            if not s.is_headline
            and told
            and s.index >= min(told)
            and {_family_key(ref, matcher) for ref in participants_of(s, matcher) if is_principal(ref, matcher)} <= own
        ]
        if any(_promises_availability(s, lexicon) for s in story) and not any(_says_available(s, lexicon) for s in story):
            cluster.kind = EventKind.announcement
            cluster.mentions = [replace(m, trigger=replace(m.trigger, kind=EventKind.announcement)) for m in cluster.mentions]


def _promises_availability(sentence: Sentence, lexicon: Lexicon) -> bool:
    """«функции появятся осенью», «доступ по приглашениям»: not available to all yet."""
    return any(
        (w.lemma in lexicon.availability and w.feats.get("Tense") == "Fut") or w.lemma in lexicon.limited_access
        for w in sentence.tokens
    )


def _says_available(sentence: Sentence, lexicon: Lexicon) -> bool:
    lemmas = [w.lemma for w in sentence.tokens]
    return any(a in lexicon.available_now and b in ("доступный", "доступ", "появляться") for a, b in zip(lemmas, lemmas[1:]))


def _fold_headline_into_body(clusters: list[Cluster]) -> None:
    # A headline names things loosely («Grok» for «Grok-1»); when it reports an event of a
    # kind the body reports too, it is the body's first such event.
    for headline in [c for c in clusters if all(s.is_headline for s in c.sentences())]:
        body = min(
            (c for c in clusters if c.kind is headline.kind and c is not headline),
            key=lambda c: min(s.index for s in c.sentences()),
            default=None,
        )
        if body is not None:
            body.mentions.extend(headline.mentions)
            clusters.remove(headline)


# --- step 5: the date from the story around the mentions ---------------------------------------


def date_from_story(cluster: Cluster, sentences: list[Sentence], matcher: EntityMatcher, published: date | None) -> None:
    by_index = {s.index: s for s in sentences}
    own = cluster.participants(matcher)
    # «… объявили о партнёрстве, а Meta в тот же день выпустила Llama 2»: the day named before.
    for mention in cluster.mentions:
        if _same_day(mention.sentence.tokens[mention.first : mention.last + 1]):
            earlier = _date_before(mention, sentences)
            if earlier is not None:
                cluster.date, cluster.date_sentence = earlier
                cluster.date_source = DateSource.story
                return
    for sentence in cluster.sentences():
        following = [by_index.get(sentence.index + k) for k in range(1, FOLLOWING_SENTENCES + 1)]
        preceding = [by_index.get(sentence.index - k) for k in range(1, PRECEDING_SENTENCES + 1)]
        neighbours = [*_while_on_story(following, cluster.kind, own, matcher), *_while_on_story(preceding, cluster.kind, own, matcher)]
        # A sentence of the event's own mentions has had its dates weighed already.
        for neighbour in [n for n in neighbours if n not in cluster.sentences()]:
            cluster.platforms.extend(
                m.entity.id
                for m in neighbour.entities
                if m.entity.is_organization and matcher.org_kinds.get(m.entity.id) is OrganizationKind.platform
            )
            # «Интеграция появится позднее в этом году»: the date of a plan, not of the event.
            # A date long before the article's news, next to it, is the background the story recalls.
            dates = [d for d in free_dates(neighbour) if not is_long_before(d, published)]
            if dates and not any(is_future_tense(t.text) for t in neighbour.tokens):
                cluster.date, cluster.date_sentence = dates[0], neighbour
                cluster.date_source = DateSource.story
                return
    if all(m.still_to_come for m in cluster.mentions):
        return  # a promise is dated by the release it belongs to, or not at all
    body = [s for s in cluster.sentences() if not s.is_headline]
    # The story the headline announces, told without a date; a personnel change told without
    # one (one day's reshuffle is told as one story); what the first paragraphs tell (the news;
    # background comes later); a follow-up («вслед за ним», «одновременно»).
    headline = any(s.is_headline for s in cluster.sentences())
    personnel = cluster.kind is EventKind.personnel
    early = bool(body) and max(s.index for s in body) < LEAD_SENTENCES
    lead = next((s for s in sentences if s.dates and not s.is_headline), None)
    follow_up = lead is not None and any(s.index > lead.index and _follows_on(s) for s in body)
    if not (headline or personnel or early or follow_up):
        return
    # They happened on the story's day: the lead's date when it is the news's (the article
    # came out within days of it, or has no date to tell), else the publication date.
    if lead is not None and (follow_up or _is_news_day(lead.dates[0], published)):
        cluster.date, cluster.date_sentence, cluster.dated_by_lead = lead.dates[0], lead, True
        cluster.date_source = DateSource.story
    elif published is not None:
        cluster.date, cluster.date_source = publication_date(published), DateSource.publication


def _is_news_day(when: ResolvedDate, published: date | None) -> bool:
    if published is None:
        return True
    return when.end is not None and timedelta(0) <= published - when.end <= NEWS_DAYS


def publication_date(published: date) -> ResolvedDate:
    """The publication day as the date of an event the article tells without one."""
    return ResolvedDate(
        text="", span=(0, 0), start=published, end=published, precision=Precision.day, modifier=None,
        value=published.isoformat(), year_inferred=False, anchor=Anchor.publication,
    )


def _follows_on(sentence: Sentence) -> bool:
    return _follows_on_tokens(sentence.tokens)


def _follows_on_tokens(tokens: list) -> bool:
    lemmas = [t.lemma for t in tokens]
    return bool(FOLLOW_ON_CUES & set(lemmas)) or any(a == "тот" and b == "же" for a, b in zip(lemmas, lemmas[1:]))


def _same_day(tokens: list) -> bool:
    """«в тот же день», «в этот же день», «тогда же»."""
    lemmas = [t.lemma for t in tokens]
    if any(a == "тогда" and b == "же" for a, b in zip(lemmas, lemmas[1:])):
        return True
    return any(a in ("тот", "этот") and b == "же" and c == "день" for a, b, c in zip(lemmas, lemmas[1:], lemmas[2:]))


def _date_before(mention: Mention, sentences: list[Sentence]) -> tuple[ResolvedDate, Sentence] | None:
    """The last day written before a mention's clause: in its sentence, else in the body before it."""
    clause_start = mention.sentence.tokens[mention.first].start
    candidates = [(d, mention.sentence) for d in mention.sentence.dates if d.span[0] < clause_start]
    if not mention.sentence.is_headline:
        candidates = [
            (d, s) for s in sentences if not s.is_headline and s.index < mention.sentence.index for d in s.dates
        ] + candidates
    days = [(d, s) for d, s in candidates if d.precision is Precision.day]
    return days[-1] if days else None


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
