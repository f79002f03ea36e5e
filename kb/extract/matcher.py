"""Finding known organizations, models and people in text through their aliases.

Aliases are matched by their folded form or by the lemmas of their words, so «компании
Meta✴», «Майкрософт» and «Сэма Альтмана» find Meta, Microsoft and Sam Altman. Entities
learned from an article (``kb.extract.model_names``, ``kb.extract.people``) are added to a
per-article copy with negative ids until ingestion stores them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from sqlmodel import Session, select

from kb.entities import family_root
from kb.models import AIModel, Alias, Organization, OrganizationKind, Person
from kb.names import Token, alias_key

# Tokens an alias may span ("Claude 3.5 Sonnet", "The New York Times").
MAX_ALIAS_TOKENS = 6
# Keys this short match only their exact written form: "X" the company, not any letter x.
SHORT_KEY = 2


ORGANIZATION, MODEL, PERSON = "organization", "model", "person"


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An organization, a model or a person, by id (negative: learned from the article at hand)."""

    type: str
    id: int

    @property
    def is_model(self) -> bool:
        return self.type == MODEL

    @property
    def is_person(self) -> bool:
        return self.type == PERSON

    @property
    def is_organization(self) -> bool:
        return self.type == ORGANIZATION

    @property
    def is_new(self) -> bool:
        return self.id < 0


@dataclass
class NewEntity:
    """An entity an article names that the knowledge base does not know yet."""

    ref: EntityRef
    name: str
    forms: list[str]  # surface forms seen, stored as aliases
    org_kind: OrganizationKind | None = None
    family_id: int | None = None  # for a model: the known family it is a variant of


@dataclass(frozen=True, slots=True)
class EntityMention:
    entity: EntityRef
    first_token: int
    last_token: int  # inclusive
    start: int
    end: int


class _Prefixes:
    """An article's key prefixes: the knowledge base's, shared and left alone, and its own."""

    def __init__(self, shared: set[str] | _Prefixes):
        self.shared = shared
        self.own: set[str] = set()

    def __contains__(self, prefix: str) -> bool:
        return prefix in self.own or prefix in self.shared

    def update(self, prefixes) -> None:
        self.own.update(prefixes)


@dataclass
class EntityMatcher:
    """Every alias of the knowledge base, ready to be looked for in tokenized text."""

    by_key: dict[str, list[EntityRef]] = field(default_factory=dict)
    exact_forms: dict[str, set[str]] = field(default_factory=dict)
    names: dict[EntityRef, str] = field(default_factory=dict)
    org_kinds: dict[int, OrganizationKind] = field(default_factory=dict)
    model_parent: dict[int, int | None] = field(default_factory=dict)
    model_developer: dict[int, int | None] = field(default_factory=dict)
    new_entities: dict[EntityRef, NewEntity] = field(default_factory=dict)
    prefixes: set[str] | _Prefixes = field(default_factory=set)  # proper prefixes of the keys

    @classmethod
    def from_session(cls, session: Session, reviewed_only: bool = False) -> EntityMatcher:
        """Every entity and alias of the knowledge base.

        ``reviewed_only`` leaves out entities learned from articles and not reviewed yet:
        seeding extracts with these, so that what an article yields does not depend on
        which articles were stored before it (each article learns its own new names, and
        storing them joins equal names).
        """
        matcher = cls()
        kept: dict[str, set[int]] = {ORGANIZATION: set(), MODEL: set(), PERSON: set()}
        for type_, table in ((ORGANIZATION, Organization), (MODEL, AIModel), (PERSON, Person)):
            query = select(table).where(table.reviewed) if reviewed_only else select(table)
            for row in session.exec(query):
                kept[type_].add(row.id)
                matcher.names[EntityRef(type_, row.id)] = row.name
                if type_ == ORGANIZATION:
                    matcher.org_kinds[row.id] = row.kind
                elif type_ == MODEL:
                    matcher.model_parent[row.id] = row.family_id
                    matcher.model_developer[row.id] = row.developer_id
        for alias in session.exec(select(Alias)):
            if alias.model_id is not None:
                ref = EntityRef(MODEL, alias.model_id)
            elif alias.person_id is not None:
                ref = EntityRef(PERSON, alias.person_id)
            else:
                ref = EntityRef(ORGANIZATION, alias.organization_id)
            if ref.id in kept[ref.type]:
                matcher._add_key(alias.key, alias.text, ref)
        return matcher

    def _add_key(self, key: str, text: str, ref: EntityRef) -> None:
        self._add_prefixes(key)
        refs = self.by_key.setdefault(key, [])
        if ref not in refs:
            refs.append(ref)
            # A key shared by a model and an organization names the model: articles say
            # «Midjourney v6» for the product far more than anything else.
            refs.sort(key=lambda r: (not r.is_model, r.is_new, r.id))
        if len(key) <= SHORT_KEY:
            self.exact_forms.setdefault(key, set()).add(text)

    def for_article(self) -> EntityMatcher:
        """A copy that can learn an article's new entities without touching this one."""
        clone = copy.copy(self)
        clone.by_key = dict(self.by_key)
        clone.names = dict(self.names)
        clone.org_kinds = dict(self.org_kinds)
        clone.model_parent = dict(self.model_parent)
        clone.model_developer = dict(self.model_developer)
        clone.new_entities = {}
        clone.prefixes = _Prefixes(self.prefixes)
        return clone

    def learn(self, type_: str, name: str, forms: list[str], **details) -> EntityRef:
        """Register an entity the article names and the knowledge base does not know yet.

        Its forms become keys of this matcher (existing keys keep their entities first).
        """
        known = next((e for e in self.new_entities.values() if e.ref.type == type_ and alias_key(e.name) == alias_key(name)), None)
        if known is not None:
            ref = known.ref
            known.forms.extend(f for f in forms if f not in known.forms)
        else:
            ref = EntityRef(type_, -(len(self.new_entities) + 1))
            self.new_entities[ref] = NewEntity(ref, name, list(dict.fromkeys(forms)), **details)
            self.names[ref] = name
            if type_ == ORGANIZATION:
                self.org_kinds[ref.id] = details.get("org_kind") or OrganizationKind.company
            if type_ == MODEL:
                self.model_parent[ref.id] = details.get("family_id")
                self.model_developer[ref.id] = self.model_developer.get(details.get("family_id"))
        for form in [name, *forms]:
            key = alias_key(form)
            if key:
                self._add_key(key, form, ref)
        return ref

    def add_local_form(self, text: str, ref: EntityRef) -> None:
        """Let ``text`` name ``ref`` in this article only (a surname standing for a full name)."""
        key = alias_key(text)
        if key and not self.by_key.get(key):
            self.by_key[key] = [ref]
            self._add_prefixes(key)

    def _add_prefixes(self, key: str) -> None:
        # Every proper prefix of a key, so that a span of words stops growing once no alias begins
        # with it. An article's copy adds to a set of its own (``for_article``).
        self.prefixes.update(key[:n] for n in range(1, len(key)))

    def refs_for(self, key: str) -> list[EntityRef]:
        """The entities an alias key names, models first."""
        return self.by_key.get(key, [])

    def find(self, text: str, tokens: list[Token]) -> list[EntityMention]:
        """Non-overlapping entity mentions in ``tokens``, longest first.

        ``text`` is the document the tokens were cut from (their offsets index it).
        """
        mentions: list[EntityMention] = []
        i = 0
        while i < len(tokens):
            mention = self._longest_at(text, tokens, i)
            if mention is None:
                i += 1
            else:
                mentions.append(mention)
                i = mention.last_token + 1
        return mentions

    def _longest_at(self, text: str, tokens: list[Token], i: int) -> EntityMention | None:
        """The longest alias starting at token ``i``: as written, as lemmas, or with its head
        declined before an undeclined complement («Лабораторией Касперского», «Совета Федерации»).
        A span grows only while one of its keys begins some alias, so most words cost one lookup."""
        written = lemmas = declined = ""
        found = None
        for j in range(i, min(len(tokens), i + MAX_ALIAS_TOKENS)):
            # Only words written together or separated by spaces and dashes form one name.
            if j > i and text[tokens[j - 1].end : tokens[j].start].strip(" \u00a0-–") != "":
                break
            token = tokens[j]
            written, lemmas = written + token.key, lemmas + token.lemma
            declined = token.lemma if j == i else declined + token.key
            keys = tuple(dict.fromkeys((written, lemmas, declined)))  # in this order: the result must not depend on hashing
            for key in keys:
                refs = self.by_key.get(key)
                if refs and self._form_ok(key, tokens[i : j + 1]):
                    found = EntityMention(refs[0], i, j, tokens[i].start, token.end)
                    break
            if not any(key in self.prefixes for key in keys):
                break
        return found

    def _form_ok(self, key: str, span: list[Token]) -> bool:
        forms = self.exact_forms.get(key)
        return forms is None or " ".join(t.text for t in span) in forms

    def family_root(self, model_id: int) -> int:
        return family_root(self.model_parent, model_id)
