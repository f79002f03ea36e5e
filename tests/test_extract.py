"""Extraction rules on short articles of our own: kinds, dates, roles, comparisons, negation."""

from datetime import date

from kb.extract import extract_events
from kb.models import EventKind, Role


def _events(matcher, title, text, published=date(2024, 3, 10)):
    return extract_events(title, text, published, matcher)


def _org(matcher, event, name):
    roles = {matcher.names[ref]: ref for ref in matcher.names if not ref.is_model}
    return dict(event.organizations).get(roles[name].id)


def _models(matcher, event):
    return sorted(name for ref, name in matcher.names.items() if ref.is_model and ref.id in event.models)


def test_compared_models_get_no_event(matcher):
    (event,) = _events(
        matcher,
        "Mistral AI выпустила новую модель",
        "Mistral AI 5 марта выпустила Mixtral 8x7B, которая превосходит GPT-3.5 и Llama 2 70B в тестах.",
    )
    assert event.kind is EventKind.release
    assert _models(matcher, event) == ["Mixtral 8x7B"]
    assert (event.date.start, event.date.precision) == (date(2024, 3, 5), "day")


def test_negated_trigger_gives_no_event(matcher):
    assert _events(matcher, "Планы OpenAI", "OpenAI 5 марта заявила, что не выпустит GPT-5 в этом году.") == []


def test_investment_roles_follow_the_sentence(matcher):
    (event,) = _events(matcher, "Сделка года", "Microsoft 23 января 2023 года инвестировала в OpenAI 10 млрд долларов.")
    assert event.kind is EventKind.investment
    assert _org(matcher, event, "Microsoft") is Role.investor
    assert _org(matcher, event, "OpenAI") is Role.target
    received = _events(matcher, "Раунд", "Anthropic 4 марта привлекла инвестиции от Amazon.")[0]
    assert _org(matcher, received, "Anthropic") is Role.target
    assert _org(matcher, received, "Amazon") is Role.investor


def test_lawsuit_plaintiff_is_subject_even_when_a_news_outlet(matcher):
    (event,) = _events(matcher, "Иск", "The New York Times 27 декабря 2023 года подала в суд на OpenAI и Microsoft.")
    assert event.kind is EventKind.lawsuit
    assert _org(matcher, event, "The New York Times") is Role.subject
    assert _org(matcher, event, "OpenAI") is Role.target and _org(matcher, event, "Microsoft") is Role.target


def test_cited_outlet_is_a_reporter(matcher):
    (event,) = _events(
        matcher,
        "Утечка весов",
        "Как сообщает Reuters, 2 марта веса Llama 2 утекли на GitHub.",
    )
    assert event.kind is EventKind.leak
    assert _org(matcher, event, "Reuters") is Role.reporter
    assert _org(matcher, event, "GitHub") is Role.platform
    assert _org(matcher, event, "Meta") is Role.developer  # known from the knowledge base


def test_two_dates_two_events(matcher):
    events = _events(
        matcher,
        "Microsoft снова инвестирует в OpenAI",
        "Microsoft 23 января 2023 года объявила о новых инвестициях в OpenAI.\n"
        "Впервые Microsoft инвестировала в OpenAI 22 июля 2019 года.",
    )
    assert sorted(e.date.start for e in events) == [date(2019, 7, 22), date(2023, 1, 23)]
    assert {e.kind for e in events} == {EventKind.investment}


def test_undated_aside_is_background_not_an_event(matcher):
    events = _events(
        matcher,
        "Google представила Gemini",
        "Google 6 декабря 2023 года представила Gemini.\n"
        "Модель обучали на TPU. Сначала Gemini Pro станет доступна в Bard.\n"
        "Ранее Google выпускала PaLM 2, и компания не раз запускала новые сервисы.",
    )
    assert [(e.kind, e.date.start) for e in events if not e.background] == [(EventKind.release, date(2023, 12, 6))]


def test_date_comes_from_the_story_around_an_undated_mention(matcher):
    (event,) = _events(
        matcher,
        "Исходный код Grok утёк в сеть",
        "Исходный код модели Grok-1 от xAI оказался в открытом доступе.\n"
        "Архив выложили на 4chan 10 марта, и вскоре его скопировали на другие площадки.",
    )
    assert event.kind is EventKind.leak
    assert event.date.start == date(2024, 3, 10)
    assert _org(matcher, event, "4chan") is Role.platform
    assert _org(matcher, event, "xAI") is Role.subject


def test_announcement_and_release_of_one_model_are_one_event(matcher):
    (event,) = _events(
        matcher,
        "Anthropic выпустила Claude 3",
        "Anthropic 4 марта 2024 года анонсировала Claude 3. Запуск Claude 3 состоялся в тот же день.",
    )
    assert event.kind is EventKind.release


def test_evidence_offsets_index_the_body(matcher):
    text = "Вступление без событий.\nOpenAI 14 марта 2023 года выпустила GPT-4. Ещё одна фраза."
    (event,) = _events(matcher, "GPT-4", text)
    assert text[event.quote_start : event.quote_end] == "OpenAI 14 марта 2023 года выпустила GPT-4."


def test_partnership_needs_two_parties(matcher):
    assert _events(matcher, "Сделка", "Microsoft называет сделку этапом партнёрства, начатого 22 июля 2019 года.") == []
    (event,) = _events(matcher, "Союз", "Meta и Microsoft 18 июля 2023 года объявили о партнёрстве.")
    assert event.kind is EventKind.partnership and len(event.organizations) == 2


def test_two_kinds_in_one_sentence_keep_their_own_clauses(matcher):
    events = _events(
        matcher,
        "Meta выпустила Llama 2",
        "Meta и Microsoft 18 июля 2023 года объявили о партнёрстве, а Meta в тот же день выпустила Llama 2.",
    )
    by_kind = {e.kind: e for e in events}
    assert set(by_kind) == {EventKind.partnership, EventKind.release}
    assert _models(matcher, by_kind[EventKind.release]) == ["Llama 2"]
    assert _models(matcher, by_kind[EventKind.partnership]) == []
    assert by_kind[EventKind.release].date.start == date(2023, 7, 18)


def test_a_model_promised_for_later_is_announced_on_the_day_of_its_release(matcher):
    events = _events(
        matcher,
        "Новое семейство моделей",
        "Anthropic 4 марта 2024 года представила Claude 3 в трёх версиях: Haiku, Sonnet и Opus.\n"
        "Opus и Sonnet уже доступны через API. Haiku станет доступна позже.",
    )
    by_kind = {e.kind: e for e in events}
    assert set(by_kind) == {EventKind.release, EventKind.announcement}
    assert _models(matcher, by_kind[EventKind.announcement]) == ["Claude 3 Haiku"]
    assert by_kind[EventKind.announcement].date.start == date(2024, 3, 4)


def test_a_third_party_named_after_the_verb_makes_a_leak_on_a_platform(matcher):
    (event,) = _events(
        matcher,
        "Веса Mistral в сети",
        "Модель Mistral 7B появилась на Hugging Face 28 января: её опубликовал пользователь под ником Dev.",
    )
    assert event.kind is EventKind.leak
    assert _org(matcher, event, "Hugging Face") is Role.platform


def test_a_threat_is_not_an_event(matcher):
    assert _events(matcher, "Кризис", "Грег Брокман 20 ноября пригрозил перейти в Microsoft вслед за коллегами.") == []


def test_an_event_noun_told_as_a_circumstance_is_not_news(matcher):
    events = _events(
        matcher,
        "OpenAI выпустила GPT-4 Turbo",
        "OpenAI 6 ноября 2023 года выпустила GPT-4 Turbo.\n"
        "Во время кризиса вокруг увольнения Сэма Альтмана компания продолжала работу над моделью.",
    )
    assert [e.kind for e in events] == [EventKind.release]
    events = _events(
        matcher,
        "Маск подал в суд на OpenAI",
        "Илон Маск 29 февраля 2024 года подал в суд на OpenAI. Маск давно покинул совет директоров OpenAI.",
    )
    assert [e.kind for e in events] == [EventKind.lawsuit]


def test_a_model_presented_in_a_paper_is_announced_not_released(matcher):
    events = _events(
        matcher,
        "Исследователи Google представили Transformer",
        "Исследователи Google 12 июня 2017 года опубликовали статью, в которой описали архитектуру Transformer.",
    )
    assert [(e.kind, e.date.start) for e in events] == [(EventKind.announcement, date(2017, 6, 12))]
    assert _models(matcher, events[0]) == ["Transformer"]


def test_a_running_total_of_funding_is_not_an_investment(matcher):
    events = _events(
        matcher,
        "Amazon покупает долю в Anthropic",
        "Amazon 25 сентября 2023 года объявила о партнёрстве с Anthropic.\n"
        "Anthropic за время существования получила 1,5 млрд долларов инвестиций от Google и других фондов.",
    )
    # The headline's stake is news; the total raised from Google is none.
    assert {e.kind for e in events} == {EventKind.partnership, EventKind.investment}
    assert all(_org(matcher, e, "Google") is None for e in events)


def test_a_partnership_finds_its_parties_across_a_blank_line(matcher):
    events = _events(
        matcher,
        "Amazon вложит в Anthropic 4 млрд долларов",
        "Amazon 25 сентября 2023 года объявила, что инвестирует 4 млрд долларов в Anthropic. "
        "Amazon получит долю в компании.\n\nСоглашение предполагает тесное технологическое сотрудничество.",
    )
    partnership = next(e for e in events if e.kind is EventKind.partnership)
    assert partnership.date.start == date(2023, 9, 25)


def test_a_plan_told_next_to_an_event_does_not_date_it(matcher):
    events = _events(
        matcher,
        "Apple и OpenAI",
        "Apple на конференции WWDC 10 июня 2024 года рассказала о новых функциях.\n\n"
        "Главной новостью стало партнёрство Apple с OpenAI. Интеграция появится позднее в этом году.",
        published=date(2024, 6, 11),
    )
    partnership = next(e for e in events if e.kind is EventKind.partnership)
    assert partnership.date.start == date(2024, 6, 10)


def test_a_sum_inside_a_trigger_phrase_does_not_break_it(matcher):
    (event,) = _events(matcher, "Раунд Mistral AI", "Mistral AI 10 февраля 2024 года привлекла 1,3 млрд долларов от инвесторов.")
    assert event.kind is EventKind.investment
    assert _org(matcher, event, "Mistral AI") is Role.target
