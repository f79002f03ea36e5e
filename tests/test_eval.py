"""`kb eval`: extraction scored against the hand-written gold annotations."""

from datetime import date
from pathlib import Path

import pytest

from kb.evaluate import Evaluation, KindScore, PredictedEvent, _Names, _score_article, evaluate_corpora, evaluate_corpus, format_report, splits
from kb.gold import GoldArticle, GoldEvent, GoldFileError, load_gold, read_gold_file
from kb.models import EventKind, Precision, Role
from tests.conftest import SEED_ARTICLES

GOLD = Path(__file__).parent / "data" / "gold"
# Floors under the figures `kb eval` reports (see the README), a little below what extraction
# scores now, so that a change that lowers them fails here: event F1, date accuracy on matched
# events, and events about entities named only in passing. Issue 12 asks for blind F1 0.85 and
# dev F1 0.90; these floors say where we stand, not where we are going.
FLOORS = {
    "dev": {"f1": 0.72, "dates": 0.96, "passing": 10},
    "blind": {"f1": 0.56, "dates": 0.93, "passing": 6},
}
SPLITS = splits()


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    return evaluate_corpus(GOLD, SEED_ARTICLES, tmp_path_factory.mktemp("eval"))


@pytest.fixture(scope="module", params=sorted(FLOORS))
def split_evaluation(request, tmp_path_factory):
    return request.param, evaluate_corpora(SPLITS[request.param], tmp_path_factory.mktemp(request.param))


@pytest.mark.parametrize("corpus", [c for corpora in SPLITS.values() for c in corpora], ids=lambda c: c.gold.parent.name + "/" + c.gold.name)
def test_every_article_has_a_gold_file_whose_quotes_it_holds(corpus):
    from kb.articles import read_article

    golds = load_gold(corpus.gold)
    assert {gold.article for gold in golds} == {p.name for p in corpus.articles.iterdir() if p.is_file()}
    for gold in golds:
        text = read_article(corpus.articles / gold.article).text
        for event in (*gold.events, *gold.background):
            assert not event.quote or event.quote in text, f"{gold.gold_file.name}: {event.quote[:60]}"


def test_the_splits_are_apart():
    """The blind articles are not in the dev split, and no name is used twice across splits."""
    names = [p.name for corpora in SPLITS.values() for c in corpora for p in c.articles.iterdir()]
    assert len(names) == len(set(names))


def test_every_article_of_the_corpus_is_stored(evaluation):
    assert evaluation.not_stored == []


def test_each_split_stays_above_its_floors(split_evaluation):
    name, result = split_evaluation
    floor = FLOORS[name]
    report = format_report(result)
    assert result.not_stored == [], report
    assert result.overall.f1 >= floor["f1"], report
    assert result.date_accuracy >= floor["dates"], report
    assert len(result.passing_violations) <= floor["passing"], report


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
