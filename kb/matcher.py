"""Finding known organizations and models in text through their aliases."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from kb.entities import family_root
from kb.models import AIModel, Alias, Organization, OrganizationKind
from kb.names import Token

# Tokens an alias may span ("Claude 3.5 Sonnet", "The New York Times").
MAX_ALIAS_TOKENS = 6
# Keys this short match only their exact written form: "X" the company, not any letter x.
SHORT_KEY = 2


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An organization (``is_model`` False) or a model, by id."""

    is_model: bool
    id: int


@dataclass(frozen=True, slots=True)
class EntityMention:
    entity: EntityRef
    first_token: int
    last_token: int  # inclusive
    start: int
    end: int


@dataclass
class EntityMatcher:
    """Every alias of the knowledge base, ready to be looked for in tokenized text."""

    by_key: dict[str, list[EntityRef]] = field(default_factory=dict)
    exact_forms: dict[str, set[str]] = field(default_factory=dict)
    names: dict[EntityRef, str] = field(default_factory=dict)
    org_kinds: dict[int, OrganizationKind] = field(default_factory=dict)
    model_parent: dict[int, int | None] = field(default_factory=dict)
    model_developer: dict[int, int | None] = field(default_factory=dict)

    @classmethod
    def from_session(cls, session: Session) -> EntityMatcher:
        matcher = cls()
        for org in session.exec(select(Organization)):
            matcher.names[EntityRef(False, org.id)] = org.name
            matcher.org_kinds[org.id] = org.kind
        for model in session.exec(select(AIModel)):
            matcher.names[EntityRef(True, model.id)] = model.name
            matcher.model_parent[model.id] = model.family_id
            matcher.model_developer[model.id] = model.developer_id
        for alias in session.exec(select(Alias)):
            ref = EntityRef(alias.model_id is not None, alias.model_id or alias.organization_id)
            refs = matcher.by_key.setdefault(alias.key, [])
            if ref not in refs:
                refs.append(ref)
            if len(alias.key) <= SHORT_KEY:
                matcher.exact_forms.setdefault(alias.key, set()).add(alias.text)
        # A key shared by a model and an organization names the model: articles say
        # «Midjourney v6» for the product far more than anything else.
        for refs in matcher.by_key.values():
            refs.sort(key=lambda ref: (not ref.is_model, ref.id))
        return matcher

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
        last = i
        # Only words written together or separated by spaces and dashes form one name.
        while last + 1 < len(tokens) and last - i + 1 < MAX_ALIAS_TOKENS:
            gap = text[tokens[last].end : tokens[last + 1].start]
            if gap.strip(" \u00a0-–") != "":
                break
            last += 1
        for j in range(last, i - 1, -1):
            span = tokens[i : j + 1]
            for key in {"".join(t.key for t in span), "".join(t.lemma for t in span)}:
                refs = self.by_key.get(key)
                if refs and self._form_ok(key, span):
                    return EntityMention(refs[0], i, j, span[0].start, span[-1].end)
        return None

    def _form_ok(self, key: str, span: list[Token]) -> bool:
        forms = self.exact_forms.get(key)
        return forms is None or " ".join(t.text for t in span) in forms

    def family_root(self, model_id: int) -> int:
        return family_root(self.model_parent, model_id)
