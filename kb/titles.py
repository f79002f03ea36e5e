"""The Russian names of event kinds, as the timeline and the titles show them."""

from __future__ import annotations

from kb.models import EventKind

KIND_LABELS = {
    # The kind of an event in a word, as the timeline shows it.
    EventKind.leak: "Утечка",
    EventKind.release: "Выпуск",
    EventKind.announcement: "Анонс",
    EventKind.investment: "Инвестиции",
    EventKind.acquisition: "Поглощение",
    EventKind.lawsuit: "Иск",
    EventKind.regulation: "Регуляторные меры",
    EventKind.partnership: "Партнёрство",
    EventKind.personnel: "Кадровые перемены",
    EventKind.other: "Событие",
}
