"""The two questions bench/serve.py asks of kb and of Datasette, each as both servers take it.

"The 50 newest events of one model between two dates" (8 models, 4 periods) and "the 50
newest events matching a full-text query" (8 queries), each event with its organizations,
models, people and sources. kb answers ``/timeline``; Datasette answers SQL through its JSON
API, written as a Datasette user who knows SQLite would: the page's ids first, then the
lists of those events only. Both must find the same events.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from kb.names import alias_key
from kb.search import fts5_query, search_terms

MODELS_ASKED = ["GPT-4", "ChatGPT", "LLaMA", "Gemini", "Claude", "YandexGPT", "GigaChat", "Llama 2"]
PERIODS = [("2022-01-01", "2023-12-31"), ("2023-06-01", "2024-06-30"), ("2018-01-01", "2025-12-31"), ("2024-01-01", "2024-12-31")]
SEARCHES = ["утечка", "инвестиции", "подала в суд", "запрет", "выпустила модель", "партнёрство", "назначен руководителем",
            "конференция для разработчиков"]
PAGE = 50

# What kb's /timeline answers for each event, as Datasette users would write it: one page of
# ids first, then each event with its organizations, models, people and sources as JSON.
_EVENTS_OF_PAGE = """
select event.id, event.kind, event.title, event.date_start, event.date_end, event.precision, event.modifier,
  event.date_text, event.date_value, event.year_inferred, event.year_inference_reason, event.confidence,
  (select json_group_array(json_object('id', organization.id, 'name', organization.name, 'role', event_organization.role))
     from event_organization join organization on organization.id = event_organization.organization_id
     where event_organization.event_id = event.id) as organizations,
  (select json_group_array(json_object('id', ai_model.id, 'name', ai_model.name))
     from event_model join ai_model on ai_model.id = event_model.model_id where event_model.event_id = event.id) as models,
  (select json_group_array(json_object('id', person.id, 'name', person.name, 'role', event_person.role))
     from event_person join person on person.id = event_person.person_id where event_person.event_id = event.id) as people,
  (select json_group_array(json_object('article_id', article.id, 'title', article.title,
          'url', coalesce(article.url, article.file_name), 'published', article.published, 'quote', evidence.quote,
          'char_start', evidence.char_start, 'char_end', evidence.char_end))
     from evidence join article on article.id = evidence.article_id where evidence.event_id = event.id) as sources
from page join event on event.id = page.id
order by event.date_start is null, event.date_start desc, event.id desc
"""
MODEL_SQL = f"""
with recursive chosen(id) as (
  select model_id from alias where key = :model_key and model_id is not null
  union select ai_model.id from ai_model join chosen on ai_model.family_id = chosen.id
), page as (
  select id from event
  where id in (select event_id from event_model where model_id in (select id from chosen))
    and date_start is not null and date_end >= :date_from and date_start <= :date_to
  order by date_start desc, id desc limit {PAGE}
){_EVENTS_OF_PAGE}"""
SEARCH_SQL = f"""
with page as (
  select id from event where id in (select rowid from event_fts where event_fts match :query)
  order by date_start is null, date_start desc, id desc limit {PAGE}
){_EVENTS_OF_PAGE}"""


@dataclass
class Question:
    label: str
    kb: list[str]  # the same questions, as kb and as Datasette ask them
    datasette: list[str]


def questions(database: str) -> list[Question]:
    """The two questions, each in several variants (models and periods; search words), for both servers."""
    by_model = [(model, period) for model in MODELS_ASKED for period in PERIODS]
    return [
        Question(
            "50 newest events of a model, 2 dates",
            ["/timeline?" + urlencode({"model": m, "from": f, "to": t, "order": "desc", "limit": PAGE}) for m, (f, t) in by_model],
            [f"/{database}.json?" + urlencode({"sql": MODEL_SQL, "model_key": alias_key(m), "date_from": f, "date_to": t, "_shape": "array"})
             for m, (f, t) in by_model],
        ),
        Question(
            "50 newest events, full-text query",
            ["/timeline?" + urlencode({"q": q, "order": "desc", "limit": PAGE}) for q in SEARCHES],
            # kb's own stemming and trigger words make the MATCH expression: Datasette gets them for free.
            [f"/{database}.json?" + urlencode({"sql": SEARCH_SQL, "query": fts5_query(search_terms(q)), "_shape": "array"})
             for q in SEARCHES],
        ),
    ]


def same_answers(kb_url: str, datasette_url: str, question: Question) -> bool:
    """Whether both servers answer every variant with the same events, in the same order (and some events)."""

    async def ids_from(url: str, paths: list[str], of_answer) -> list[list[int]]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            answers = await asyncio.gather(*(client.get(path) for path in paths))
        return [[item["id"] for item in of_answer(answer.raise_for_status().json())] for answer in answers]

    ours = asyncio.run(ids_from(kb_url, question.kb, lambda page: page["items"]))
    theirs = asyncio.run(ids_from(datasette_url, question.datasette, lambda rows: rows))
    return ours == theirs and all(ours)
