"""Scoring extraction against the gold annotations: precision, recall and F1 per event kind.

A predicted event of an article is an event with evidence in that article (after the whole
corpus is seeded, so merging across articles and year inference are part of what is
measured). It matches a gold event when the kinds are equal, its date lies within the gold
date at the gold precision, and it shares at least one organization, model or person (a
model's size variants count as the model). Matching is one-to-one, as many pairs as possible.
Only events the article reports count, not those it is only a background source of; a
predicted event left over that matches one of the article's background entries (a past event
recalled in passing) counts neither way; any other is false, and when it involves an entity
named only in passing, also an event about a passing entity.

The gold comes in splits (``SPLITS``, guide in tests/data/ANNOTATION.md): ``dev``, the
corpora the rules may be tuned on, and ``blind``, written and annotated by people who never
read the rules, which is only reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from kb.dates import Precision, interval_for_value
from kb.entities import family_parents, family_root
from kb.config import repository_dir, seeds_dir
from kb.db import get_engine, migrate
from kb.gold import GoldArticle, GoldEvent, load_gold
from kb.ingest import seed_paths
from kb.models import Alias, Article, Event, EventKind, EventModel, EventOrganization, EventPerson, Evidence, Role
from kb.names import alias_key


@dataclass
class PredictedEvent:
    event_id: int
    kind: EventKind
    title: str
    start: date | None
    end: date | None
    precision: Precision | None
    organizations: dict[int, set[Role]]
    models: set[int]
    model_roots: set[int]
    people: set[int]


@dataclass
class KindScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    by_kind: dict[EventKind, KindScore] = field(default_factory=dict)
    dates_correct: int = 0
    roles_correct: int = 0
    roles_total: int = 0
    people_correct: int = 0
    people_total: int = 0
    misses: list[str] = field(default_factory=list)  # "article: kind date entities"
    false_events: list[str] = field(default_factory=list)
    passing_violations: list[str] = field(default_factory=list)
    not_stored: list[str] = field(default_factory=list)  # corpus files seeding did not store
    articles: int = 0

    @property
    def overall(self) -> KindScore:
        total = KindScore()
        for score in self.by_kind.values():
            total.true_positives += score.true_positives
            total.false_positives += score.false_positives
            total.false_negatives += score.false_negatives
        return total

    @property
    def date_accuracy(self) -> float:
        matched = self.overall.true_positives
        return self.dates_correct / matched if matched else 1.0

    @property
    def role_accuracy(self) -> float:
        return self.roles_correct / self.roles_total if self.roles_total else 1.0

    @property
    def people_accuracy(self) -> float:
        return self.people_correct / self.people_total if self.people_total else 1.0


class _Names:
    """Gold names resolved to knowledge-base ids through the alias table."""

    def __init__(self, session: Session):
        self.orgs: dict[str, set[int]] = {}
        self.models: dict[str, set[int]] = {}
        self.people: dict[str, set[int]] = {}
        for alias in session.exec(select(Alias)):
            if alias.organization_id is not None:
                self.orgs.setdefault(alias.key, set()).add(alias.organization_id)
            elif alias.model_id is not None:
                self.models.setdefault(alias.key, set()).add(alias.model_id)
            else:
                self.people.setdefault(alias.key, set()).add(alias.person_id)
        self.parents = family_parents(session)

    def org_ids(self, name: str) -> set[int]:
        return self.orgs.get(alias_key(name), set())

    def model_roots(self, name: str) -> set[int]:
        return {family_root(self.parents, m) for m in self.models.get(alias_key(name), set())}

    def person_ids(self, name: str) -> set[int]:
        return self.people.get(alias_key(name), set())


@dataclass(frozen=True)
class Corpus:
    """Articles and the gold files that annotate them, one per article."""

    articles: Path
    gold: Path


def splits() -> dict[str, tuple[Corpus, ...]]:
    """The evaluation splits of a source checkout: each is seeded into a database of its own."""
    data = repository_dir() / "tests" / "data"
    return {
        "dev": (Corpus(seeds_dir() / "articles", data / "gold"), Corpus(data / "dev" / "articles", data / "dev" / "gold")),
        "blind": (Corpus(data / "blind" / "articles", data / "blind" / "gold"),),
    }


def evaluate_corpus(gold_dir: Path, articles_dir: Path, workdir: Path) -> Evaluation:
    """Seed ``articles_dir`` into a fresh SQLite database under ``workdir`` and score it against ``gold_dir``."""
    return evaluate_corpora([Corpus(articles_dir, gold_dir)], workdir)


def evaluate_corpora(corpora: Sequence[Corpus], workdir: Path) -> Evaluation:
    """Seed every corpus into one fresh SQLite database under ``workdir`` and score it against their gold."""
    gold = [article for corpus in corpora for article in load_gold(corpus.gold)]
    url = f"sqlite:///{workdir / 'eval.sqlite'}"
    migrate(url)
    engine = get_engine(url)
    report = seed_paths(engine, [corpus.articles for corpus in corpora])
    with Session(engine) as session:
        result = evaluate(session, gold)
    result.not_stored = [f"{path.name}: {reason}" for path, reason in report.failed] + [path.name for path in report.unchanged]
    return result


def evaluate(session: Session, gold: list[GoldArticle]) -> Evaluation:
    """Compare the seeded knowledge base in ``session`` with ``gold``, article by article."""
    names = _Names(session)
    result = Evaluation()
    for kind in EventKind:
        if kind is not EventKind.other:
            result.by_kind[kind] = KindScore()
    for article in gold:
        article_id = session.exec(select(Article.id).where(Article.file_name == article.article)).first()
        predicted = _predicted_events(session, article_id, names) if article_id is not None else []
        result.articles += 1
        _score_article(article, predicted, names, result)
    return result


def _predicted_events(session: Session, article_id: int, names: _Names) -> list[PredictedEvent]:
    """The events the article reports: those it is a source of, not only a background one (what it
    recalls in passing is scored neither way, as the gold's background entries are not)."""
    reported = select(Evidence.event_id).where(Evidence.article_id == article_id, Evidence.background.is_(False))
    event_ids = sorted(set(session.exec(reported)))
    events = []
    for event in session.exec(select(Event).where(col(Event.id).in_(event_ids)).order_by(Event.id)):
        organizations: dict[int, set[Role]] = {}
        for link in session.exec(select(EventOrganization).where(EventOrganization.event_id == event.id)):
            organizations.setdefault(link.organization_id, set()).add(link.role)
        models = set(session.exec(select(EventModel.model_id).where(EventModel.event_id == event.id)))
        people = session.exec(select(EventPerson.person_id).where(EventPerson.event_id == event.id))
        events.append(
            PredictedEvent(
                event_id=event.id,
                kind=event.kind,
                title=event.title,
                start=event.date_start,
                end=event.date_end,
                precision=event.precision,
                organizations=organizations,
                models=models,
                model_roots={family_root(names.parents, m) for m in models},
                people=set(people),
            )
        )
    return events


def _score_article(article: GoldArticle, predicted: list[PredictedEvent], names: _Names, result: Evaluation) -> None:
    golds = sorted(article.events, key=lambda g: g.kind.value)
    matches = _best_matching(golds, predicted, names)
    left = [p for i, p in enumerate(predicted) if i not in matches.values()]
    recalled = _best_matching(list(article.background), left, names).values()
    unmatched = [p for i, p in enumerate(left) if i not in recalled]
    for g, gold in enumerate(golds):
        score = result.by_kind[gold.kind]
        if g not in matches:
            score.false_negatives += 1
            result.misses.append(f"{article.article}: {_describe_gold(gold)}")
            continue
        score.true_positives += 1
        _score_details(gold, predicted[matches[g]], names, result)
    for event in unmatched:
        result.by_kind.setdefault(event.kind, KindScore()).false_positives += 1
        result.false_events.append(f"{article.article}: {_describe_predicted(event)}")
    passing_orgs = {i for name in article.passing_organizations for i in names.org_ids(name)}
    # A model named in passing is that model itself, not its family («o1» for DeepSeek-R1's family).
    passing_models = {i for name in article.passing_models for i in names.models.get(alias_key(name), set())}
    # An event for a passing entity is a false event that involves it; a true event that also
    # links it (another source's report of a GPT-4o release naming ChatGPT) is not one.
    for event in unmatched:
        principal_orgs = {org for org, roles in event.organizations.items() if roles - {Role.reporter, Role.developer}}
        if principal_orgs & passing_orgs or event.models & passing_models:
            result.passing_violations.append(f"{article.article}: {_describe_predicted(event)}")


def _best_matching(golds: list[GoldEvent], predicted: list[PredictedEvent], names: _Names) -> dict[int, int]:
    """Gold index -> predicted index, one to one, as many pairs as possible (augmenting paths),
    each gold event preferring the predictions that share its people, then the most entities.

    Matching gold events one by one in a fixed order can let a loose prediction take the gold
    event that only another prediction could match, and score a hit as a miss plus a false event.
    """
    candidates = [
        sorted(
            (i for i, p in enumerate(predicted) if p.kind is gold.kind and _dates_agree(p, gold) and _shared(p, gold, names)),
            # People first: an event about the gold event's person is the better match.
            key=lambda i: (-len({j for n in gold.people for j in names.person_ids(n)} & predicted[i].people), -_shared(predicted[i], gold, names)),
        )
        for gold in golds
    ]
    gold_of: dict[int, int] = {}

    def augment(g: int, seen: set[int]) -> bool:
        for i in candidates[g]:
            if i not in seen:
                seen.add(i)
                if i not in gold_of or augment(gold_of[i], seen):
                    gold_of[i] = g
                    return True
        return False

    for g in range(len(golds)):
        augment(g, set())
    return {g: i for i, g in gold_of.items()}


def _shared(predicted: PredictedEvent, gold: GoldEvent, names: _Names) -> int:
    orgs = {i for name in gold.organizations for i in names.org_ids(name)}
    models = {i for name in gold.models for i in names.model_roots(name)}
    people = {i for name in gold.people for i in names.person_ids(name)}
    return len(orgs & predicted.organizations.keys()) + len(models & predicted.model_roots) + len(people & predicted.people)


def _gold_interval(gold: GoldEvent) -> tuple[date, date]:
    start, end, _ = interval_for_value(gold.value)
    return start, end


def _dates_agree(predicted: PredictedEvent, gold: GoldEvent) -> bool:
    """Whether the predicted date lies within the gold date at the gold's precision."""
    if predicted.start is None or predicted.end is None:
        return False
    low, high = _gold_interval(gold)
    return low <= predicted.start and predicted.end <= high


def _date_exact(gold: GoldEvent, match: PredictedEvent) -> bool:
    if match.precision is not gold.precision:
        return False
    return (match.start, match.end) == _gold_interval(gold)


def _score_details(gold: GoldEvent, match: PredictedEvent, names: _Names, result: Evaluation) -> None:
    if _date_exact(gold, match):
        result.dates_correct += 1
    for name, role in gold.organizations.items():
        result.roles_total += 1
        if any(role in match.organizations.get(i, ()) for i in names.org_ids(name)):
            result.roles_correct += 1
    for person in gold.people:
        result.people_total += 1
        if names.person_ids(person) & match.people:
            result.people_correct += 1


def _describe_gold(gold: GoldEvent) -> str:
    entities = [*gold.models, *gold.organizations]
    return f"{gold.kind.value} {gold.value} ({gold.precision.value}) {', '.join(entities)}"


def _describe_predicted(event: PredictedEvent) -> str:
    when = event.start.isoformat() if event.start else "без даты"
    return f"{event.kind.value} {when} ({event.precision.value if event.precision else '-'}) «{event.title}»"


def format_report(evaluation: Evaluation) -> str:
    """The evaluation as plain text: a per-kind table, accuracies, then misses and false events."""
    lines = [f"{'kind':<13} {'gold':>4} {'found':>5} {'tp':>3} {'fp':>3} {'fn':>3} {'P':>6} {'R':>6} {'F1':>6}"]
    rows = [(kind.value, score) for kind, score in evaluation.by_kind.items()] + [("overall", evaluation.overall)]
    for name, score in rows:
        gold = score.true_positives + score.false_negatives
        found = score.true_positives + score.false_positives
        lines.append(
            f"{name:<13} {gold:>4} {found:>5} {score.true_positives:>3} {score.false_positives:>3} "
            f"{score.false_negatives:>3} {score.precision:>6.3f} {score.recall:>6.3f} {score.f1:>6.3f}"
        )
    lines.append("")
    lines.append(f"articles: {evaluation.articles}")
    lines.append(f"date accuracy on matched events: {evaluation.date_accuracy:.3f}")
    lines.append(f"role accuracy on matched events: {evaluation.role_accuracy:.3f} ({evaluation.roles_correct}/{evaluation.roles_total})")
    lines.append(f"people found on matched events: {evaluation.people_accuracy:.3f} ({evaluation.people_correct}/{evaluation.people_total})")
    lines.append(f"events about entities mentioned only in passing: {len(evaluation.passing_violations)}")
    for title, items in (
        ("not stored (seeding failed or found a duplicate)", evaluation.not_stored),
        ("missed (gold events not found)", evaluation.misses),
        ("false (found events not in gold)", evaluation.false_events),
        ("about entities mentioned only in passing", evaluation.passing_violations),
    ):
        if items:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  {item}" for item in items)
    return "\n".join(lines)
