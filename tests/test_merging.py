"""Merging duplicate entities: in the library, from the command line and over HTTP."""

import pytest
from sqlmodel import Session, select

from kb.editing import RecordNotFound
from kb.merging import MergeError, merge_models, merge_organizations, merge_people
from kb.models import (
    AIModel,
    Alias,
    AuditEntry,
    Event,
    EventKind,
    EventModel,
    EventOrganization,
    EventPerson,
    Organization,
    Person,
    Role,
)
from kb.names import alias_key


def _aliased(session: Session, record, owner: str, *aliases: str) -> int:
    session.add(record)
    session.flush()
    for text in (record.name, *aliases):
        session.add(Alias(text=text, key=alias_key(text), **{owner: record.id}))
    session.commit()
    return record.id


def _org(session: Session, name: str, *aliases: str) -> int:
    return _aliased(session, Organization(name=name, reviewed=False), "organization_id", *aliases)


def _model(session: Session, name: str, *aliases: str, **fields) -> int:
    return _aliased(session, AIModel(name=name, reviewed=False, **fields), "model_id", *aliases)


def _person(session: Session, name: str, *aliases: str) -> int:
    return _aliased(session, Person(name=name, reviewed=False), "person_id", *aliases)


def _event(session: Session, orgs=(), models=(), people=()) -> int:
    event = Event(kind=EventKind.leak, title="Утечка")
    session.add(event)
    session.flush()
    session.add_all(EventOrganization(event_id=event.id, organization_id=i, role=role) for i, role in orgs)
    session.add_all(EventModel(event_id=event.id, model_id=i) for i in models)
    session.add_all(EventPerson(event_id=event.id, person_id=i, role=role) for i, role in people)
    session.commit()
    return event.id


def _named(session: Session, table, name: str) -> int:
    return session.exec(select(table.id).where(table.name == name)).one()


def _alias_keys(session: Session, owner, owner_id: int) -> list[str]:
    return sorted(session.exec(select(Alias.key).where(owner == owner_id)))


def _org_links(session: Session, event_id: int) -> set[tuple[int, Role]]:
    rows = session.exec(select(EventOrganization).where(EventOrganization.event_id == event_id))
    return {(row.organization_id, row.role) for row in rows}


@pytest.fixture
def kb_session(gazetteer_engine):
    with Session(gazetteer_engine) as session:
        yield session


@pytest.fixture
def duplicate_meta(kb_session) -> dict:
    """The gazetteer's Meta, and a copy learned from articles with overlapping aliases and links."""
    session = kb_session
    meta = _named(session, Organization, "Meta")
    copy = _org(session, "Мета Платформс Инк", "Мета Платформс", "Meta Platforms", "Meta✴")
    developed = _model(session, "Make-A-Video", developer_id=copy)
    both = _event(session, orgs=[(meta, Role.subject), (copy, Role.subject)])
    only_copy = _event(session, orgs=[(copy, Role.target)])
    two_roles = _event(session, orgs=[(copy, Role.subject), (meta, Role.reporter)])
    return {"meta": meta, "copy": copy, "model": developed, "events": (both, only_copy, two_roles)}


# --- the library -----------------------------------------------------------------------------


def test_merging_organizations_keeps_every_alias_and_link_once(kb_session, duplicate_meta):
    session, meta, copy = kb_session, duplicate_meta["meta"], duplicate_meta["copy"]
    keys = set(_alias_keys(session, Alias.organization_id, meta)) | set(_alias_keys(session, Alias.organization_id, copy))

    kept = merge_organizations(session, meta, copy, "tester")
    session.commit()

    assert (kept.id, kept.name, kept.reviewed, kept.wikidata_id) == (meta, "Meta", True, "Q380")
    assert session.get(Organization, copy) is None
    merged_keys = _alias_keys(session, Alias.organization_id, meta)
    assert merged_keys == sorted(keys)  # every alias, each key once
    assert session.exec(select(Alias).where(Alias.organization_id == copy)).all() == []
    both, only_copy, two_roles = duplicate_meta["events"]
    assert _org_links(session, both) == {(meta, Role.subject)}
    assert _org_links(session, only_copy) == {(meta, Role.target)}
    assert _org_links(session, two_roles) == {(meta, Role.subject), (meta, Role.reporter)}
    assert session.get(AIModel, duplicate_meta["model"]).developer_id == meta


def test_a_merge_is_audited_with_both_records_as_they_were(kb_session, duplicate_meta):
    session, meta, copy = kb_session, duplicate_meta["meta"], duplicate_meta["copy"]
    merge_organizations(session, meta, copy, "tester")
    session.commit()
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action.value, e.entity, e.entity_id) for e in entries] == [
        ("tester", "merge", "organization", meta),
        ("tester", "merge", "organization", copy),
    ]
    kept, dropped = entries
    assert kept.before["kept"]["name"] == "Meta" and kept.before["dropped"]["name"] == "Мета Платформс Инк"
    assert "Meta✴" in kept.before["dropped"]["aliases"] and "Мета Платформс" in kept.after["aliases"]
    assert {"event_id": duplicate_meta["events"][1], "role": "target"} in kept.before["dropped"]["events"]
    assert dropped.before == kept.before["dropped"] and dropped.after == {"merged_into": meta}


def test_keeping_a_learned_record_over_a_reviewed_one_takes_the_reviewed_name(kb_session, duplicate_meta):
    session, meta, copy = kb_session, duplicate_meta["meta"], duplicate_meta["copy"]
    kept = merge_organizations(session, copy, meta, "tester")
    session.commit()
    # The id asked for is kept, but the curated name and fields win, so that the next
    # gazetteer load finds «Meta» and does not create it again.
    assert (kept.id, kept.name, kept.reviewed, kept.wikidata_id) == (copy, "Meta", True, "Q380")
    keys = _alias_keys(session, Alias.organization_id, copy)
    assert {alias_key("Meta"), alias_key("Мета Платформс Инк"), alias_key("Facebook")} <= set(keys)
    assert _org_links(session, duplicate_meta["events"][0]) == {(copy, Role.subject)}


def test_merging_models_repoints_variants_and_drops_duplicate_links(kb_session):
    session = kb_session
    llama = _named(session, AIModel, "LLaMA")
    copy = _model(session, "LLaMA 1", "ЛЛаМА", "LLaMa")
    variant = _model(session, "LLaMA 1 7B", family_id=copy)
    both = _event(session, models=[llama, copy])
    only_copy = _event(session, models=[copy])

    kept = merge_models(session, llama, copy, "tester")
    session.commit()

    assert kept.id == llama and session.get(AIModel, copy) is None
    assert session.get(AIModel, variant).family_id == llama
    for event_id in (both, only_copy):
        assert session.exec(select(EventModel.model_id).where(EventModel.event_id == event_id)).all() == [llama]
    keys = _alias_keys(session, Alias.model_id, llama)
    assert {"ллама", "llama1"} <= set(keys) and len(keys) == len(set(keys))


def test_a_variant_kept_over_its_family_becomes_the_root(kb_session):
    session = kb_session
    family = _model(session, "Zork")
    kept_variant = _model(session, "Zork-1", family_id=family)
    sibling = _model(session, "Zork-1.5", family_id=family)

    kept = merge_models(session, kept_variant, family, "tester")
    session.commit()

    assert kept.family_id is None  # not itself: a family has no cycles
    assert session.get(AIModel, sibling).family_id == kept_variant


def test_merging_people_keeps_aliases_and_roles(kb_session):
    session = kb_session
    altman = _person(session, "Сэм Альтман", "Альтман", "Sam Altman")
    copy = _person(session, "Альтман Сэм", "Альтман", "Сэма Альтмана")
    fired = _event(session, people=[(altman, Role.subject), (copy, Role.subject), (copy, Role.target)])

    merge_people(session, altman, copy, "tester")
    session.commit()

    assert session.get(Person, copy) is None
    texts = session.exec(select(Alias.text).where(Alias.person_id == altman)).all()
    assert {"Сэм Альтман", "Sam Altman", "Альтман Сэм", "Сэма Альтмана"} <= set(texts)
    assert texts.count("Альтман") == 1
    links = session.exec(select(EventPerson).where(EventPerson.event_id == fired)).all()
    assert {(link.person_id, link.role) for link in links} == {(altman, Role.subject), (altman, Role.target)}


def test_merges_that_cannot_be_made_are_refused_and_change_nothing(kb_session, duplicate_meta):
    session, meta, copy = kb_session, duplicate_meta["meta"], duplicate_meta["copy"]
    with pytest.raises(MergeError, match="into itself"):
        merge_organizations(session, meta, meta, "tester")
    with pytest.raises(RecordNotFound, match="no organization with id 999999"):
        merge_organizations(session, meta, 999999, "tester")
    with pytest.raises(RecordNotFound, match="no model with id"):
        merge_models(session, 999998, 999999, "tester")
    session.rollback()
    merge_organizations(session, meta, copy, "tester")
    session.commit()
    with pytest.raises(RecordNotFound, match=f"no organization with id {copy}"):
        merge_organizations(session, meta, copy, "tester")


# --- the command line ------------------------------------------------------------------------


def test_kb_entities_merge_by_names(cli, db_url, kb_session, duplicate_meta, monkeypatch):
    monkeypatch.setenv("USER", "ada")
    result = cli("--db", db_url, "entities", "merge", "Meta", "Мета Платформс Инк")
    assert result.exit_code == 0, result.output
    meta, copy = duplicate_meta["meta"], duplicate_meta["copy"]
    assert f"merged org:{copy} into org:{meta} (Meta)" in result.output
    kb_session.expire_all()
    assert kb_session.get(Organization, copy) is None
    actors = kb_session.exec(select(AuditEntry.actor)).all()
    assert actors == ["cli:ada", "cli:ada"]

    # The dropped record's name is now an alias of the kept one: merging again names Meta twice.
    again = cli("--db", db_url, "entities", "merge", "Meta", "Мета Платформс Инк")
    assert again.exit_code == 1 and f"cannot merge organization {meta} into itself" in again.output
    gone = cli("--db", db_url, "entities", "merge", "Meta", f"org:{copy}")
    assert gone.exit_code == 1 and f"no organization with id {copy}" in gone.output
    unknown = cli("--db", db_url, "entities", "merge", "Meta", "Нет Такой Компании")
    assert unknown.exit_code == 1 and "'Нет Такой Компании' names no organization, model or person" in unknown.output


def test_kb_entities_merge_by_reference_and_its_errors(cli, db_url, kb_session, duplicate_meta):
    meta, copy = duplicate_meta["meta"], duplicate_meta["copy"]
    other = _org(kb_session, "Мета Медиа", "Мета Платформс")  # shares an alias with the copy
    ambiguous = cli("--db", db_url, "entities", "merge", "Meta", "Мета Платформс")
    assert ambiguous.exit_code == 1
    assert "ambiguous" in ambiguous.output and f"org:{copy}" in ambiguous.output and f"org:{other}" in ambiguous.output
    kinds = cli("--db", db_url, "entities", "merge", "Meta", "LLaMA")
    assert kinds.exit_code == 1 and "not the same kind" in kinds.output
    for ref in ("999999", str(2**40)):  # past the INTEGER range too, which no database holds
        unknown = cli("--db", db_url, "entities", "merge", f"org:{ref}", f"org:{copy}")
        assert unknown.exit_code == 1 and f"no organization with id {ref}" in unknown.output

    merged = cli("--db", db_url, "entities", "merge", f"org:{meta}", f"org:{other}")
    assert merged.exit_code == 0, merged.output
    kb_session.expire_all()
    assert kb_session.get(Organization, other) is None and kb_session.get(Organization, copy) is not None


def test_kb_entities_list_shows_references_and_filters_unreviewed(cli, db_url, duplicate_meta):
    everything = cli("--db", db_url, "entities", "list").output
    assert f"org:{duplicate_meta['meta']}" in everything and f"org:{duplicate_meta['copy']}" in everything
    unreviewed = cli("--db", db_url, "entities", "list", "--unreviewed").output
    assert f"org:{duplicate_meta['copy']}" in unreviewed and f"model:{duplicate_meta['model']}" in unreviewed
    assert f"org:{duplicate_meta['meta']} " not in unreviewed


# --- over HTTP -------------------------------------------------------------------------------


def test_merge_endpoints_answer_the_kept_record(writable_client, kb_session, duplicate_meta):
    meta, copy = duplicate_meta["meta"], duplicate_meta["copy"]
    response = writable_client.post(f"/organizations/{meta}/merge", json={"from": copy})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == meta and {"Мета Платформс", "Мета Платформс Инк"} <= set(body["aliases"])
    assert "Make-A-Video" in [m["name"] for m in body["models"]]
    assert writable_client.get(f"/organizations/{copy}").status_code == 404

    variant = _model(kb_session, "LLaMA One")
    merged = writable_client.post(f"/models/{_named(kb_session, AIModel, 'LLaMA')}/merge", json={"from": variant})
    assert merged.status_code == 200 and "LLaMA One" in merged.json()["aliases"]
    first, second = _person(kb_session, "Ян Лекун"), _person(kb_session, "Янн Лекун")
    people = writable_client.post(f"/people/{first}/merge", json={"from": second})
    assert people.status_code == 200 and "Янн Лекун" in people.json()["aliases"]


def test_merge_endpoints_refuse_what_cannot_be_merged(writable_client, duplicate_meta):
    meta, copy = duplicate_meta["meta"], duplicate_meta["copy"]
    itself = writable_client.post(f"/organizations/{meta}/merge", json={"from": meta})
    assert itself.status_code == 409 and "into itself" in itself.json()["detail"]
    assert writable_client.post("/organizations/999999/merge", json={"from": copy}).status_code == 404
    assert writable_client.post(f"/organizations/{meta}/merge", json={"from": 999999}).status_code == 404
    assert writable_client.post(f"/organizations/{meta}/merge", json={"from": 2**40}).status_code == 422
    assert writable_client.post(f"/organizations/{meta}/merge", json={"id": copy}).status_code == 422
    assert writable_client.post(f"/organizations/{meta}/merge", json={"from": copy}).status_code == 200
    twice = writable_client.post(f"/organizations/{meta}/merge", json={"from": copy})
    assert twice.status_code == 404 and f"no organization with id {copy}" in twice.json()["detail"]
    assert writable_client.post(f"/organizations/{meta}/merge", json={"from": copy}, headers={"Authorization": ""}).status_code == 401
