"""`kb eval`: extraction scored against the hand-written gold annotations."""

from datetime import date
from pathlib import Path

import pytest

from kb.evaluate import Evaluation, KindScore, PredictedEvent, _Names, _score_article, evaluate_corpus, format_report
from kb.gold import GoldArticle, GoldEvent, GoldFileError, load_gold, read_gold_file
from kb.models import EventKind, Precision, Role
from tests.conftest import SEED_ARTICLES

GOLD = Path(__file__).parent / "data" / "gold"
# Floors under the figures `kb eval` reports (see the README): the goal, F1 0.90 and
# no event about an entity mentioned only in passing. A change that lowers them fails here.
MIN_EVENT_F1 = 0.90
MAX_PASSING_VIOLATIONS = 0


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    return evaluate_corpus(GOLD, SEED_ARTICLES, tmp_path_factory.mktemp("eval"))


def test_every_article_of_the_corpus_has_a_gold_file():
    annotated = {gold.article for gold in load_gold(GOLD)}
    assert annotated == {p.name for p in SEED_ARTICLES.iterdir() if p.is_file()}


def test_gold_quotes_are_in_their_articles():
    from kb.articles import read_article

    for gold in load_gold(GOLD):
        text = read_article(SEED_ARTICLES / gold.article).text
        for event in gold.events:
            assert event.quote in text, f"{gold.gold_file.name}: {event.quote[:60]}"


def test_every_article_of_the_corpus_is_stored(evaluation):
    assert evaluation.not_stored == []


def test_event_f1_and_passing_mentions_stay_above_their_floors(evaluation):
    assert evaluation.overall.f1 >= MIN_EVENT_F1, format_report(evaluation)
    assert len(evaluation.passing_violations) <= MAX_PASSING_VIOLATIONS, format_report(evaluation)
    assert evaluation.date_accuracy >= 0.95


def test_report_lists_kinds_misses_and_false_events(evaluation):
    report = format_report(evaluation)
    assert report.splitlines()[0].split() == ["kind", "gold", "found", "tp", "fp", "fn", "P", "R", "F1"]
    assert "overall" in report and "date accuracy" in report and "role accuracy" in report
    assert ("missed" in report) == bool(evaluation.misses)


def test_cli_eval_fails_below_a_required_f1(cli):
    result = cli("eval", str(GOLD), "--min-f1", "0.999")
    assert result.exit_code == 1
    assert "below 0.999" in result.output


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("events: []\n", "field 'article'"),
        ("article: a.md\nevents:\n  - kind: rumour\n", "events[0]"),
        ("article: a.md\nevents:\n  - kind: leak\n    precision: day\n    date: 'March'\n    quote: x\n", "events[0].date"),
        ("article: a.md\nevents:\n  - kind: leak\n    precision: day\n    date: '2023-03-03'\n    organizations: {Meta: owner}\n    quote: x\n", "events[0].organizations"),
    ],
)
def test_bad_gold_files_name_the_file_and_field(tmp_path, content, reason):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldFileError) as error:
        read_gold_file(path)
    assert str(path) in str(error.value) and reason in str(error.value)


def test_gold_and_predicted_events_are_paired_to_match_as_many_as_possible():
    # A loose prediction (OpenAI, Зоф) must not take the gold event that only it can match
    # (Зоф's) just because another gold event (OpenAI's) was scored first.
    names = _Names.__new__(_Names)
    names.orgs, names.models, names.people, names.parents = {"openai": {1}}, {}, {"барретзоф": {7}}, {}
    day = date(2024, 9, 25)

    def gold(organizations, people):
        return GoldEvent(EventKind.personnel, "2024-09-25", Precision.day, organizations, (), people, "")

    def predicted(event_id, people):
        return PredictedEvent(event_id, EventKind.personnel, "", day, day, Precision.day, {1: {Role.subject}}, set(), set(), people)

    article = GoldArticle(Path("x.yaml"), "x.md", (gold({"OpenAI": Role.subject}, ()), gold({}, ("Баррет Зоф",))))
    result = Evaluation(by_kind={EventKind.personnel: KindScore()})
    _score_article(article, [predicted(1, {7}), predicted(2, set())], names, result)
    assert (result.overall.true_positives, result.overall.false_positives, result.overall.false_negatives) == (2, 0, 0)
