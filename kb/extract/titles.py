"""Short Russian titles for events, built from their kind and participants."""

from __future__ import annotations

from kb.extract.matcher import MODEL, ORGANIZATION, PERSON, EntityMatcher, EntityRef
from kb.models import EventKind, Role
from kb.titles import KIND_LABELS


def event_title(
    kind: EventKind,
    models: list[int],
    organizations: list[tuple[int, Role]],
    matcher: EntityMatcher,
    people: list[int] = (),
) -> str:
    """E.g. «Утечка LLaMA (Meta)», «Инвестиции Microsoft → OpenAI», «Кадровые перемены: Сэм Альтман (OpenAI)»."""
    model_names = _names(matcher, [EntityRef(MODEL, m) for m in _top_models(models, matcher)])
    by_role: dict[Role, list[str]] = {}
    for org_id, role in organizations:
        by_role.setdefault(role, []).append(matcher.names[EntityRef(ORGANIZATION, org_id)])
    actors = by_role.get(Role.subject) or by_role.get(Role.investor) or by_role.get(Role.regulator) or by_role.get(Role.partner)
    actors = actors or by_role.get(Role.developer) or []
    targets = by_role.get(Role.target, [])
    noun = KIND_LABELS[kind]
    if kind is EventKind.personnel and people:
        names = ", ".join(matcher.names[EntityRef(PERSON, p)] for p in people)
        return f"{noun}: {names}" + (f" ({', '.join(actors)})" if actors else "")
    if kind in (EventKind.investment, EventKind.acquisition, EventKind.lawsuit, EventKind.regulation) and targets:
        subject = ", ".join(actors)
        return f"{noun}: {subject} → {', '.join(targets)}" if subject else f"{noun}: {', '.join(targets)}"
    if kind is EventKind.partnership:
        return f"{noun}: {' и '.join(actors)}" + (f" ({', '.join(model_names)})" if model_names else "")
    if model_names:
        return f"{noun} {', '.join(model_names)}" + (f" ({', '.join(actors)})" if actors else "")
    return f"{noun}: {', '.join(actors)}" if actors else noun


def _top_models(models: list[int], matcher: EntityMatcher) -> list[int]:
    """Drop variants whose family root is listed too: «LLaMA», not «LLaMA, LLaMA-13B»."""
    present = set(models)
    return [m for m in models if matcher.family_root(m) == m or matcher.family_root(m) not in present]


def _names(matcher: EntityMatcher, refs: list[EntityRef]) -> list[str]:
    return [matcher.names[ref] for ref in refs]
