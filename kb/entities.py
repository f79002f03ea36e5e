"""Organizations, models, people and their aliases: lookups by any surface form, and family trees."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kb.models import AIModel, Alias, Organization
from kb.names import alias_key


def add_alias(
    session: Session,
    text: str,
    *,
    organization_id: int | None = None,
    model_id: int | None = None,
    person_id: int | None = None,
) -> bool:
    """Record ``text`` as a surface form of one entity; False when it was already known."""
    key = alias_key(text)
    if not key:
        return False
    if organization_id:
        owner = Alias.organization_id == organization_id
    elif model_id:
        owner = Alias.model_id == model_id
    else:
        owner = Alias.person_id == person_id
    if session.exec(select(Alias.id).where(Alias.key == key, owner)).first() is not None:
        return False
    session.add(Alias(text=text, key=key, organization_id=organization_id, model_id=model_id, person_id=person_id))
    return True


def organizations_named(session: Session, name: str) -> list[Organization]:
    """Organizations whose canonical name or any alias matches ``name`` (case and punctuation folded)."""
    key = alias_key(name)
    ids = select(Alias.organization_id).where(Alias.key == key, col(Alias.organization_id).is_not(None))
    return list(session.exec(select(Organization).where(col(Organization.id).in_(ids)).order_by(Organization.id)))


def models_named(session: Session, name: str) -> list[AIModel]:
    """Models whose canonical name or any alias matches ``name``."""
    key = alias_key(name)
    ids = select(Alias.model_id).where(Alias.key == key, col(Alias.model_id).is_not(None))
    return list(session.exec(select(AIModel).where(col(AIModel.id).in_(ids)).order_by(AIModel.id)))


def family_parents(session: Session) -> dict[int, int | None]:
    """Every model's parent in its family (None for a root)."""
    return dict(session.exec(select(AIModel.id, AIModel.family_id)).all())


def with_descendants(parents: dict[int, int | None], model_ids: set[int]) -> set[int]:
    """The models and every model below them in their families (LLaMA -> LLaMA-13B, ...)."""
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found, stack = set(), list(model_ids)
    while stack:
        model_id = stack.pop()
        if model_id not in found:
            found.add(model_id)
            stack.extend(children.get(model_id, ()))
    return found


def family_root(parents: dict[int, int | None], model_id: int) -> int:
    """The root of a model's family (itself when it has no parent); safe against cycles."""
    seen = {model_id}
    while (parent := parents.get(model_id)) is not None and parent not in seen:
        seen.add(parent)
        model_id = parent
    return model_id
