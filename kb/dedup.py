"""Reports of one event from several articles, merged into one event whatever the seeding order.

Ingestion joins a report to a stored event as it goes (``kb.ingest``); which reports meet
first depends on the order of the articles, and a year completed later can make two stored
events equal. ``consolidate_events`` closes the gap, in each article's transaction and again
at the end of a seeding run: it merges every pair of events that are the same (same kind, a
shared identifying participant, compatible dates), keeping the one with the most precise
date, with every source's evidence and links, and then gives each event touched a title and
roles computed from all its links, so that the knowledge base is the same for any order of
the same articles, the words of its date included (``date_wording_key``).
"""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from kb.entities import family_parents, family_root, with_descendants
from kb.extract.matcher import MODEL, ORGANIZATION, PERSON, EntityMatcher, EntityRef
from kb.extract.titles import event_title
from kb.models import AIModel, Event, EventKind, EventModel, EventOrganization, EventPerson, Evidence, Organization, Person, Role

# Roles that tie two reports to one event; platforms, outlets and developers inferred from
# the knowledge base are too common to do so.
IDENTIFYING_ROLES = frozenset({Role.subject, Role.investor, Role.target, Role.regulator, Role.partner})


def identity(session: Session, event_id: int, parents: dict[int, int | None]) -> tuple[set, set, set]:
    """What makes two reports one event: model families, identifying organizations, people."""
    families = {family_root(parents, m) for m in session.exec(select(EventModel.model_id).where(EventModel.event_id == event_id))}
    organizations = set(
        session.exec(
            select(EventOrganization.organization_id).where(
                EventOrganization.event_id == event_id, col(EventOrganization.role).in_(IDENTIFYING_ROLES)
            )
        )
    )
    people = set(session.exec(select(EventPerson.person_id).where(EventPerson.event_id == event_id)))
    return families, organizations, people


def same_participants(kind: EventKind, a: tuple[set, set, set], b: tuple[set, set, set]) -> bool:
    """Whether two events' participants make them one (see ``identity``)."""
    families_a, orgs_a, people_a = a
    families_b, orgs_b, people_b = b
    if kind is EventKind.personnel and people_a and people_b:
        return bool(people_a & people_b)
    if families_a and families_b:
        return bool(families_a & families_b)
    return bool(orgs_a & orgs_b)


def dates_compatible(a: Event, b: Event) -> bool:
    """Whether two events' dates can be one date: intervals overlap; with a year unknown, the rest agrees."""
    if a.date_value is None or b.date_value is None:
        return False
    if a.date_start is not None and b.date_start is not None:
        return a.date_start <= b.date_end and b.date_start <= a.date_end
    return a.date_value[4:] == b.date_value[4:] and len(a.date_value) > 4


def date_wording_key(year_inferred: bool, text: str | None) -> tuple:
    """Which of two reports of the same date speaks for it (the smaller key): a stated year
    before an inferred one, then the longer wording («3 марта 2023 года» before «3 марта»),
    then the first in alphabetical order, so that the seeding order does not decide."""
    return (bool(year_inferred), -len(text or ""), text or "")


_DATE_FIELDS = ("date_start", "date_end", "precision", "modifier", "date_value", "date_text", "year_inferred", "year_inference_reason", "date_source")


def _precision_key(event: Event) -> tuple:
    # Finest date first (shortest interval), then the earliest, then the oldest row.
    span = (event.date_end - event.date_start).days if event.date_start and event.date_end else 10**6
    return (span, event.date_start is None, event.date_start, event.id)


def consolidate_events(session: Session, event_ids: set[int]) -> set[int]:
    """Merge each of ``event_ids`` with every stored event that is the same; the ids kept.

    Pairs are merged finest date first, so the kept event has the most precise date.
    """
    parents = family_parents(session)
    pending = set(event_ids)
    kept: set[int] = set()
    while pending:
        event = session.get(Event, pending.pop())
        if event is None or event.date_value is None:
            continue
        mine = identity(session, event.id, parents)
        same = [
            other
            for other in _sharing_a_participant(session, event, mine, parents)
            if dates_compatible(event, other) and same_participants(event.kind, mine, identity(session, other.id, parents))
        ]
        if not same:
            kept.add(event.id)
            continue
        keeper, *others = sorted([event, *same], key=_precision_key)
        for other in others:
            merge_event_into(session, keeper, other)
            pending.discard(other.id)
            kept.discard(other.id)
        pending.add(keeper.id)  # its new links may make it equal to yet another event
    return kept


def _sharing_a_participant(
    session: Session, event: Event, mine: tuple[set, set, set], parents: dict[int, int | None]
) -> list[Event]:
    """The other events of ``event``'s kind that share a model family, an identifying
    organization or a person with it: the only ones ``same_participants`` can accept."""
    families, organizations, people = mine
    shared = [
        select(EventModel.event_id).where(col(EventModel.model_id).in_(with_descendants(parents, families))),
        select(EventOrganization.event_id).where(
            col(EventOrganization.organization_id).in_(organizations), col(EventOrganization.role).in_(IDENTIFYING_ROLES)
        ),
        select(EventPerson.event_id).where(col(EventPerson.person_id).in_(people)),
    ]
    ids = {event_id for query in shared for event_id in session.exec(query)} - {event.id}
    if not ids:
        return []
    return list(session.exec(select(Event).where(Event.kind == event.kind, col(Event.id).in_(ids)).order_by(Event.id)))


def merge_event_into(session: Session, keeper: Event, other: Event) -> None:
    """Move ``other``'s links and evidence to ``keeper`` and delete ``other``.

    Raises ``StaleDataError`` when a concurrent writer has deleted either meanwhile.
    """
    # Lock both rows (PostgreSQL; SQLite has one writer at a time) before reading their links:
    # evidence another process is adding to ``other`` is then committed first, and moves with
    # the rest instead of going when ``other`` is deleted.
    ids = sorted({keeper.id, other.id})
    locked = session.exec(select(Event.id).where(col(Event.id).in_(ids)).order_by(col(Event.id)).with_for_update()).all()
    if len(locked) < len(ids):
        raise StaleDataError(f"event {other.id} or {keeper.id} was deleted by a concurrent writer")
    for link_table, column in ((EventModel, EventModel.model_id), (EventPerson, EventPerson.person_id)):
        present = set(session.exec(select(column).where(link_table.event_id == keeper.id)))
        for link in session.exec(select(link_table).where(link_table.event_id == other.id)).all():
            key = getattr(link, column.key)
            if key not in present:
                session.add(link_table(**{**link.model_dump(), "event_id": keeper.id}))
                present.add(key)
    roles = set(session.exec(select(EventOrganization.organization_id, EventOrganization.role).where(EventOrganization.event_id == keeper.id)))
    for link in session.exec(select(EventOrganization).where(EventOrganization.event_id == other.id)).all():
        if (link.organization_id, link.role) not in roles:
            session.add(EventOrganization(event_id=keeper.id, organization_id=link.organization_id, role=link.role))
            roles.add((link.organization_id, link.role))
    quoted = set(session.exec(select(Evidence.article_id, Evidence.char_start).where(Evidence.event_id == keeper.id)))
    for evidence in session.exec(select(Evidence).where(Evidence.event_id == other.id)).all():
        if (evidence.article_id, evidence.char_start) not in quoted:
            evidence.event_id = keeper.id
            session.add(evidence)
    keeper.confidence = max(keeper.confidence, other.confidence)
    same_date = (keeper.date_start, keeper.date_end) == (other.date_start, other.date_end)
    if same_date and date_wording_key(other.year_inferred, other.date_text) < date_wording_key(keeper.year_inferred, keeper.date_text):
        for name in _DATE_FIELDS:
            setattr(keeper, name, getattr(other, name))
    session.add(keeper)
    session.flush()
    session.delete(other)  # the database cascades to its remaining links
    session.flush()


def normalize_roles(session: Session, event_id: int) -> None:
    """Drop the ``developer`` role of an organization that has a more telling one in the event."""
    links = session.exec(select(EventOrganization).where(EventOrganization.event_id == event_id)).all()
    telling = {link.organization_id for link in links if link.role is not Role.developer}
    for link in links:
        if link.role is Role.developer and link.organization_id in telling:
            session.delete(link)
    session.flush()


def names_of_events(session: Session, event_ids: set[int]) -> EntityMatcher:
    """The names (and model families) titles need for ``event_ids``: a matcher of those only,
    far cheaper to build than one of the whole knowledge base."""
    names = EntityMatcher()
    names.model_parent = family_parents(session)
    ids = sorted(event_ids)
    for type_, link, column, table in (
        (MODEL, EventModel, EventModel.model_id, AIModel),
        (PERSON, EventPerson, EventPerson.person_id, Person),
        (ORGANIZATION, EventOrganization, EventOrganization.organization_id, Organization),
    ):
        linked = select(column).where(col(link.event_id).in_(ids))
        for entity_id, name in session.exec(select(table.id, table.name).where(col(table.id).in_(linked))):
            names.names[EntityRef(type_, entity_id)] = name
    return names


def retitle_event(session: Session, event: Event, matcher: EntityMatcher) -> None:
    """Title an event from all its links, in a fixed order (not from whichever report came first)."""
    def name(type_: str, entity_id: int) -> str:
        return matcher.names[EntityRef(type_, entity_id)]

    models = sorted(session.exec(select(EventModel.model_id).where(EventModel.event_id == event.id)), key=lambda m: name(MODEL, m))
    people = sorted(session.exec(select(EventPerson.person_id).where(EventPerson.event_id == event.id)), key=lambda p: name(PERSON, p))
    organizations = sorted(
        session.exec(select(EventOrganization.organization_id, EventOrganization.role).where(EventOrganization.event_id == event.id)).all(),
        key=lambda link: (list(Role).index(link[1]), name(ORGANIZATION, link[0])),
    )
    event.title = event_title(event.kind, models, list(organizations), matcher, people)[:300]
    session.add(event)
