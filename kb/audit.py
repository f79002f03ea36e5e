"""The audit trail: who changed what, when, and the state before and after.

Every change made through the API or the CLI (``kb.editing``, ``kb.merging``) writes an
``AuditEntry`` in the same transaction as the change itself, so that a change and its record
are committed or rolled back together. Entries are never updated or deleted; an event's
history outlives the event.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from kb.models import AuditAction, AuditEntry


def record_change(
    session: Session,
    actor: str,
    action: AuditAction,
    entity: str,
    entity_id: int,
    before: dict | None,
    after: dict | None,
) -> AuditEntry:
    """Add an audit entry to ``session`` (committed with the change it describes).

    ``entity`` is the kind of record ("event", "organization", "model", "person", "article");
    ``before`` and ``after`` are JSON-ready snapshots, None for a record that did not exist
    before (a creation) or does not exist after (a deletion).
    """
    entry = AuditEntry(actor=actor, action=action, entity=entity, entity_id=entity_id, before=before, after=after)
    session.add(entry)
    session.flush()
    return entry


def event_history(session: Session, event_id: int) -> list[AuditEntry]:
    """The audit entries of one event, oldest first (also after the event was deleted)."""
    return list(
        session.exec(
            select(AuditEntry)
            .where(AuditEntry.entity == "event", AuditEntry.entity_id == event_id)
            # Ids follow the order of insertion; clocks of several API processes may not.
            .order_by(col(AuditEntry.id))
        )
    )
