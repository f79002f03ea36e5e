"""Writes: submitting articles, correcting and deleting events, merging entities.

Every route but the history needs a bearer token (``api.auth``); every change is recorded
in the audit trail under the token's name, by the ``kb`` functions that make it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import WriterDep
from api.deps import IsoDate, RecordId, SessionDep
from kb import queries
from kb.articles import publication_date_problem
from kb.audit import event_history
from kb.editing import EditError, EventPatch, RecordIdValue, RecordNotFound, delete_event, submit_article, update_event
from kb.merging import MergeError, merge_models, merge_organizations, merge_people
from kb.models import ArticleCreate
from kb.public import (
    AIModelPublic,
    ArticleSubmittedPublic,
    AuditEntryPublic,
    EventPublic,
    OrganizationPublic,
    PersonPublic,
)

router = APIRouter()


class ArticleSubmission(BaseModel):
    """An article to ingest: its headline and text, with what is known of its publication."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=1000)]
    text: Annotated[str, Field(min_length=1)]
    published: IsoDate | None = Field(default=None, description="Relative dates in the text are read against it.")
    url: Annotated[str, Field(max_length=2000)] | None = None
    source: Annotated[str, Field(max_length=200)] | None = None

    @field_validator("title", "text")
    @classmethod
    def _normalised(cls, value: str) -> str:
        # As ``kb seed`` reads files: one newline convention and composed Unicode, so that
        # the same article submitted and seeded has the same content hash.
        value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
        if not value:
            raise ValueError("must not be blank")
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    @field_validator("published")
    @classmethod
    def _not_in_the_future(cls, value: date | None) -> date | None:
        problem = publication_date_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value


class MergeRequest(BaseModel):
    """Which record to merge into the one named in the path (which is kept)."""

    model_config = ConfigDict(extra="forbid")

    from_id: RecordIdValue = Field(alias="from", description="The id of the record merged into this one, then deleted.")


@contextmanager
def _as_http_errors() -> Iterator[None]:
    """The ``kb`` errors of a change as HTTP errors: 404, 409, or 422 naming the field."""
    try:
        yield
    except RecordNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except MergeError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except EditError as exc:
        error = {"type": "value_error", "loc": ("body", exc.field), "msg": str(exc), "input": None}
        raise RequestValidationError([error]) from None


@router.post(
    "/articles",
    status_code=201,
    response_model=ArticleSubmittedPublic,
    tags=["articles"],
    summary="Submit an article",
    responses={200: {"description": "The same content was stored already; nothing changed.", "model": ArticleSubmittedPublic}},
)
def post_article(body: ArticleSubmission, session: SessionDep, actor: WriterDep, response: Response) -> ArticleSubmittedPublic:
    """Ingest an article through the same pipeline as `kb seed` and answer the events it reports."""
    article = ArticleCreate(**body.model_dump())
    submitted = submit_article(session.get_bind(), article, actor)
    if not submitted.stored:
        response.status_code = 200
    response.headers["Location"] = f"/articles/{submitted.article_id}"
    return ArticleSubmittedPublic(
        article_id=submitted.article_id,
        stored=submitted.stored,
        new_events=submitted.created,
        events=[queries.get_event(session, event_id) for event_id in submitted.event_ids],
    )


@router.patch("/events/{event_id}", response_model=EventPublic, tags=["events"], summary="Correct an event")
def patch_event(event_id: RecordId, patch: EventPatch, session: SessionDep, actor: WriterDep) -> EventPublic:
    """Correct an event: the fields given change; a list of links given replaces those links."""
    with _as_http_errors():
        update_event(session, event_id, patch, actor)
    session.commit()
    return queries.get_event(session, event_id)


@router.delete("/events/{event_id}", status_code=204, tags=["events"], summary="Delete an event")
def remove_event(event_id: RecordId, session: SessionDep, actor: WriterDep) -> Response:
    """Delete an event with its links and evidence; the articles stay, and the history keeps it."""
    with _as_http_errors():
        delete_event(session, event_id, actor)
    session.commit()
    return Response(status_code=204)


@router.get("/events/{event_id}/history", response_model=list[AuditEntryPublic], tags=["events"], summary="The history of an event")
def get_event_history(event_id: RecordId, session: SessionDep) -> list[AuditEntryPublic]:
    """Every recorded change of an event, oldest first, also after it was deleted."""
    entries = event_history(session, event_id)
    if not entries and queries.get_event(session, event_id) is None:
        raise HTTPException(status_code=404, detail=f"no event with id {event_id}")
    return [AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in entries]


@router.post("/organizations/{org_id}/merge", response_model=OrganizationPublic, tags=["entities"], summary="Merge an organization into this one")
def merge_organization(org_id: RecordId, body: MergeRequest, session: SessionDep, actor: WriterDep) -> OrganizationPublic:
    """Merge organization `from` into this one: every alias, event link and model follows; `from` is deleted."""
    with _as_http_errors():
        merge_organizations(session, org_id, body.from_id, actor)
    session.commit()
    return queries.get_organization(session, org_id)


@router.post("/models/{model_id}/merge", response_model=AIModelPublic, tags=["entities"], summary="Merge a model into this one")
def merge_model(model_id: RecordId, body: MergeRequest, session: SessionDep, actor: WriterDep) -> AIModelPublic:
    """Merge model `from` into this one: every alias, event link and variant follows; `from` is deleted."""
    with _as_http_errors():
        merge_models(session, model_id, body.from_id, actor)
    session.commit()
    return queries.get_model(session, model_id)


@router.post("/people/{person_id}/merge", response_model=PersonPublic, tags=["entities"], summary="Merge a person into this one")
def merge_person(person_id: RecordId, body: MergeRequest, session: SessionDep, actor: WriterDep) -> PersonPublic:
    """Merge person `from` into this one: every alias and event link follows; `from` is deleted."""
    with _as_http_errors():
        merge_people(session, person_id, body.from_id, actor)
    session.commit()
    return queries.get_person(session, person_id)
