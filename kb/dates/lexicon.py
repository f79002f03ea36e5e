"""Russian word forms for dates: months, ordinals, seasons, weekdays, parts, relative words.

Each table maps a lowercase surface form (or stem) to its meaning; ``alternation``
turns a table into a regex alternative. Endings are listed rather than guessed, so
that adjectives such as «мартовский» or «первенство» are never read as dates.
"""

from __future__ import annotations

import re

from kb.dates.model import Modifier

_SOFT = ("ь", "я", "е", "ю", "ем", "ём")   # январь-type months in every case
_HARD = ("", "а", "е", "у", "ом")          # март, август

_MONTH_STEMS = {
    "январ": (1, _SOFT), "феврал": (2, _SOFT), "март": (3, _HARD), "апрел": (4, _SOFT),
    "июн": (6, _SOFT), "июл": (7, _SOFT), "август": (8, _HARD), "сентябр": (9, _SOFT),
    "октябр": (10, _SOFT), "ноябр": (11, _SOFT), "декабр": (12, _SOFT),
}
MONTHS: dict[str, int] = {stem + ending: number
                          for stem, (number, endings) in _MONTH_STEMS.items()
                          for ending in endings}
MONTHS.update(dict.fromkeys(("май", "мая", "мае", "маю", "маем"), 5))

# Only accepted next to a day number, with or without the dot («24 фев. 2023»,
# «МОСКВА, 5 апр — Интерфакс», «Авг 26, 2015»).
MONTH_ABBREVIATIONS: dict[str, int] = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7,
    "авг": 8, "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}

ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july",
                  "august", "september", "october", "november", "december",
                  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
                  "oct", "nov", "dec")

# Ordinal stems; the number agrees with «число» (neuter) for days and with
# «квартал»/«полугодие» for quarters and halves, so all genders are accepted.
ORDINAL_STEMS: dict[str, int] = {
    "перв": 1, "втор": 2, "трет": 3, "четверт": 4, "четвёрт": 4, "пят": 5, "шест": 6,
    "седьм": 7, "восьм": 8, "девят": 9, "десят": 10, "одиннадцат": 11, "двенадцат": 12,
    "тринадцат": 13, "четырнадцат": 14, "пятнадцат": 15, "шестнадцат": 16,
    "семнадцат": 17, "восемнадцат": 18, "девятнадцат": 19, "двадцат": 20, "тридцат": 30,
}
ORDINAL_ENDINGS = ("ое", "ого", "ому", "ым", "ом", "ый", "ой", "ая", "ую",
                   "ье", "ьего", "ьему", "ьим", "ьем", "ий", "ья", "ью", "ей")
TENS = {"двадцать": 20, "тридцать": 30}

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# Counts of days, weeks, months or years: «через три дня» (accusative), «в течение
# трёх дней» (genitive), «двое суток назад» (collective), «пару дней назад».
ONES: dict[str, int] = {
    "один": 1, "одну": 1, "одна": 1, "одного": 1, "одной": 1, "два": 2, "две": 2, "двух": 2,
    "три": 3, "трёх": 3, "трех": 3, "четыре": 4, "четырёх": 4, "четырех": 4, "пять": 5,
    "пяти": 5, "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8,
    "девять": 9, "девяти": 9,
}
CARDINAL_TENS: dict[str, int] = {
    "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30, "сорок": 40,
    "сорока": 40, "пятьдесят": 50, "пятидесяти": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90,
}
_TEENS = {"десят": 10, "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13, "четырнадцат": 14,
          "пятнадцат": 15, "шестнадцат": 16, "семнадцат": 17, "восемнадцат": 18,
          "девятнадцат": 19}
COUNT_WORDS: dict[str, int] = {
    **ONES, **CARDINAL_TENS,
    **{stem + ending: n for stem, n in _TEENS.items() for ending in ("ь", "и")},
    "сто": 100, "двое": 2, "трое": 3, "четверо": 4, "пятеро": 5, "шестеро": 6, "семеро": 7,
    "пару": 2, "пара": 2, "пары": 2,
}
# «Несколько дней назад»: two to nine units, the interval that surely holds the day meant.
SEVERAL = ("несколько", "нескольких")
SEVERAL_RANGE = (2, 9)

SEASON_FORMS: dict[str, str] = {
    **dict.fromkeys(("весна", "весны", "весне", "весну", "весной", "весною"), "SP"),
    **dict.fromkeys(("лето", "лета", "лету", "летом", "лете"), "SU"),
    **dict.fromkeys(("осень", "осени", "осенью"), "FA"),
    **dict.fromkeys(("зима", "зимы", "зиме", "зиму", "зимой", "зимою"), "WI"),
}
# Without a year or a preposition only the adverbial forms are dates («летом»);
# «лето выдалось жарким» is about weather as often as about time.
SEASON_ADVERBS = frozenset({"весной", "весною", "летом", "осенью", "зимой", "зимою"})

# Nominative, accusative («во вторник»), genitive («до среды») and dative («к пятнице»);
# the prepositional and instrumental forms are not used for dates, and «в среде»
# is «in the environment».
WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("понедельник", "понедельника", "понедельнику"), 0),
    **dict.fromkeys(("вторник", "вторника", "вторнику"), 1),
    **dict.fromkeys(("среда", "среду", "среды"), 2),
    **dict.fromkeys(("четверг", "четверга", "четвергу"), 3),
    **dict.fromkeys(("пятница", "пятницу", "пятницы", "пятнице"), 4),
    **dict.fromkeys(("суббота", "субботу", "субботы", "субботе"), 5),
    # «воскресение» (resurrection) is a common misspelling of the day in news.
    **dict.fromkeys(("воскресенье", "воскресенья", "воскресенью", "воскресение"), 6),
}
# Three-letter abbreviations of site datelines («Пнд, 07 янв. 2019 г.»); only accepted
# before a comma and a date. Two-letter ones are not: «5 Вт, 10 мая» is watts.
WEEKDAY_ABBREVIATIONS: dict[str, int] = {
    "пнд": 0, "втр": 1, "срд": 2, "чтв": 3, "птн": 4, "сбт": 5, "вск": 6,
}
# The nominative after a date: «21 сентября 2021 г., вторник».
WEEKDAY_NOMINATIVES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
                       "воскресенье")
# «Среда» is also «environment»: «в среду разработки» is not a Wednesday.
AMBIGUOUS_WEEKDAYS = frozenset({"среда", "среду", "среды"})

# Shift of the cycle a relative adjective names: «прошлый год» = this year - 1.
RELATIVE_STEMS: dict[str, int] = {
    "прошл": -1, "прошедш": -1, "минувш": -1, "предыдущ": -1, "позапрошл": -2,
    "текущ": 0, "нынешн": 0, "уходящ": 0, "наступивш": 0,
    "следующ": 1, "будущ": 1, "наступающ": 1, "грядущ": 1,
}
RELATIVE_ENDINGS = ("ый", "ий", "ого", "его", "ому", "ему", "ым", "им", "ом", "ем",
                    "ая", "яя", "ей", "ой", "ую", "юю", "ее", "ое", "ие", "ые", "их", "ых")
# Not «это»: «это год перемен» is not «this year».
THIS_FORMS = ("этот", "этого", "этому", "этим", "этом", "эта", "этой", "эту")
# Clipped adjectives of site widgets («в пр мес», «на след нед»); only accepted before
# an abbreviated cycle noun.
CLIPPED_RELATIVES: dict[str, int] = {"пр": -1, "эт": 0, "сл": 1, "след": 1}

UNIT_NOUNS: dict[str, str] = {
    **dict.fromkeys(("неделя", "недели", "неделе", "неделю", "неделей"), "week"),
    **dict.fromkeys(("месяц", "месяца", "месяцу", "месяцем", "месяце"), "month"),
    **dict.fromkeys(("квартал", "квартала", "кварталу", "кварталом", "квартале"), "quarter"),
    **dict.fromkeys(("полугодие", "полугодия", "полугодию", "полугодием", "полугодии"), "half"),
    **dict.fromkeys(("год", "года", "году", "годом"), "year"),
}
# Abbreviated cycle nouns («в прошлом мес», «на этой нед», «в этом г.»).
UNIT_ABBREVIATIONS: dict[str, str] = {"мес": "month", "нед": "week", "г": "year"}
QUARTER_NOUNS = ("квартал", "квартала", "кварталу", "кварталом", "квартале", "кв.")
HALF_NOUNS = ("полугодие", "полугодия", "полугодию", "полугодием", "полугодии")
HALF_OF_NOUNS = ("половина", "половины", "половине", "половину", "половиной")

# Part words: «в начале марта», «к концу года», «в первых числах мая».
PART_WORDS: dict[str, Modifier] = {
    **dict.fromkeys(("начало", "начала", "началу", "началом", "начале",
                     "первых числах", "первые числа"), Modifier.start),
    **dict.fromkeys(("середина", "середины", "середине", "середину", "серединой"),
                    Modifier.mid),
    **dict.fromkeys(("конец", "конца", "концу", "концом", "конце",
                     "последних числах", "последние числа", "последние дни",
                     "последних днях"), Modifier.end),
}

RELATIVE_DAYS: dict[str, int] = {
    "позавчера": -2, "вчера": -1, "накануне": -1, "сегодня": 0, "завтра": 1, "послезавтра": 2,
    "послепослезавтра": 3,
}
# The units of «3 дня назад» and «через 3 дня»: each form -> (cycle, cycles per unit).
SHIFT_UNITS: dict[str, tuple[str, int]] = {
    **dict.fromkeys(("день", "дня", "дней", "дн", "сутки", "суток"), ("day", 1)),
    **dict.fromkeys(("неделю", "недели", "недель", "нед"), ("week", 1)),
    **dict.fromkeys(("месяц", "месяца", "месяцев", "мес"), ("month", 1)),
    **dict.fromkeys(("год", "года", "лет"), ("year", 1)),
    **dict.fromkeys(("полгода", "полугода"), ("month", 6)),
    **dict.fromkeys(("полтора года", "полутора лет"), ("month", 18)),
}
# One letter after a count is as often a unit of measure («5 г» is grams), so «д» and
# «г» count only before «назад».
AGO_ONLY_UNITS: dict[str, tuple[str, int]] = {"д": ("day", 1), "г": ("year", 1)}
# «через неделю», «спустя полгода», «в течение суток»: that long after the reference.
LATER_WORDS = ("через", "спустя", "в течение")

# After these an unwritten year is the nearest occurrence, which may be to come: «до 10
# марта» in an article of 6 March is a deadline four days ahead.
DEADLINE_PREPOSITIONS = frozenset({"до", "к", "ко"})

APPROX_WORDS = ("около", "примерно", "приблизительно", "ориентировочно")
PREPOSITIONS = ("в", "во", "к", "ко", "на", "с", "со", "до", "по", "от", "за", "после",
                "перед", "в течение", "на протяжении", "по итогам")
YEAR_WORDS = ("год", "года", "году", "годом", "годы", "годах", "годами", "годов")


def alternation(forms) -> str:
    """A regex alternative matching any of ``forms``, a longer form before its prefix.

    The forms are merged into a trie («март(?:а|е|ом|у)?»): the regex engine tries the
    branches of an alternation one by one at every word of a text, and a trie keeps
    that to one branch per distinct letter.
    """
    trie: dict = {}
    for form in sorted(set(forms)):
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    branches = [(r"\s+" if char == " " else re.escape(char)) + _trie_pattern(child)
                for char, child in node.items() if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if "" not in node:
        return body
    return f"(?:{body})?" if len(branches) == 1 else f"{body}?"


def _normal(words: str) -> str:
    return " ".join(words.lower().rstrip(".").split())


def month_number(word: str) -> int:
    """The month a full or abbreviated month word names: «марта», «авг.», «Авг» -> 3, 8, 8."""
    word = _normal(word)
    return MONTHS.get(word) or MONTH_ABBREVIATIONS[word]


def weekday_number(word: str) -> int:
    """The weekday a full or abbreviated weekday word names, Monday = 0."""
    word = _normal(word)
    return WEEKDAYS[word] if word in WEEKDAYS else WEEKDAY_ABBREVIATIONS[word]


def count_number(words: str) -> int | None:
    """A count in digits or words: «3», «двадцать пять», «двое», «пару»; None for «несколько»."""
    words = _normal(words)
    if words in SEVERAL:
        return None
    return int(words) if words.isdigit() else sum(COUNT_WORDS[w] for w in words.split())


def shift_unit(word: str) -> tuple[str, int]:
    """The cycle and its multiple a unit of «3 дня назад» names: «нед.» -> ('week', 1)."""
    word = _normal(word)
    return SHIFT_UNITS.get(word) or AGO_ONLY_UNITS[word]


def cycle_unit(word: str) -> str:
    """The cycle a noun of «в прошлом месяце» or «в прошлом мес.» names."""
    word = _normal(word)
    return UNIT_NOUNS.get(word) or UNIT_ABBREVIATIONS[word]


def _stem_lookup(word: str, stems: dict) -> int:
    word = word.lower()
    return next(value for stem, value in sorted(stems.items(), key=lambda kv: -len(kv[0]))
                if word.startswith(stem))


def ordinal_number(words: str) -> int:
    """The number of an ordinal in digits or words: «3-го» -> 3, «двадцать первого» -> 21."""
    words = " ".join(words.lower().split())
    digits = "".join(ch for ch in words if ch.isdigit())
    if digits:
        return int(digits)
    if words in ROMAN:
        return ROMAN[words]
    tens, _, unit = words.rpartition(" ")
    return TENS.get(tens, 0) + _stem_lookup(unit, ORDINAL_STEMS)


def relative_shift(word: str) -> int:
    """The cycle shift of a relative adjective: «прошлого» -> -1, «этом» -> 0, «след» -> 1."""
    word = word.lower()
    if word in THIS_FORMS:
        return 0
    if word in CLIPPED_RELATIVES:
        return CLIPPED_RELATIVES[word]
    return _stem_lookup(word, RELATIVE_STEMS)


def part_modifier(words: str) -> Modifier:
    """The modifier a part word names: «начале» -> start."""
    return PART_WORDS[" ".join(words.lower().split())]
