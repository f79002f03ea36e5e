"""Russian word forms for dates: months, ordinals, seasons, weekdays, parts, relative words.

Each table maps a lowercase surface form (or stem) to its meaning; ``alternation``
turns a table into a regex alternative. Endings are listed rather than guessed, so
that adjectives such as «мартовский» or «первенство» are never read as dates.
"""

from __future__ import annotations

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

# Only accepted right after a day number, with the dot («24 фев. 2023»).
MONTH_ABBREVIATIONS: dict[str, int] = {
    "янв.": 1, "фев.": 2, "февр.": 2, "мар.": 3, "апр.": 4, "июн.": 6, "июл.": 7,
    "авг.": 8, "сен.": 9, "сент.": 9, "окт.": 10, "ноя.": 11, "нояб.": 11, "дек.": 12,
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

CARDINALS: dict[str, int] = {
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
}

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
    **dict.fromkeys(("воскресенье", "воскресенья", "воскресенью"), 6),
}
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

UNIT_NOUNS: dict[str, str] = {
    **dict.fromkeys(("неделя", "недели", "неделе", "неделю", "неделей"), "week"),
    **dict.fromkeys(("месяц", "месяца", "месяцу", "месяцем", "месяце"), "month"),
    **dict.fromkeys(("квартал", "квартала", "кварталу", "кварталом", "квартале"), "quarter"),
    **dict.fromkeys(("полугодие", "полугодия", "полугодию", "полугодием", "полугодии"), "half"),
    **dict.fromkeys(("год", "года", "году", "годом"), "year"),
}
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
}
AGO_UNITS: dict[str, str] = {
    **dict.fromkeys(("день", "дня", "дней"), "day"),
    **dict.fromkeys(("неделю", "недели", "недель"), "week"),
    **dict.fromkeys(("месяц", "месяца", "месяцев"), "month"),
    **dict.fromkeys(("год", "года", "лет"), "year"),
    "полгода": "half_year",
}

APPROX_WORDS = ("около", "примерно", "приблизительно", "ориентировочно")
PREPOSITIONS = ("в", "во", "к", "ко", "на", "с", "со", "до", "по", "от", "за", "после",
                "перед", "в течение", "на протяжении", "по итогам")
YEAR_WORDS = ("год", "года", "году", "годом", "годы", "годах", "годами", "годов")


def alternation(forms) -> str:
    """A regex alternative matching any of ``forms``, longest first so no prefix wins."""
    escaped = (f.replace(".", r"\.").replace(" ", r"\s+") for f in forms)
    return "|".join(sorted(set(escaped), key=len, reverse=True))


def month_number(word: str) -> int:
    """The month a full or abbreviated month word names."""
    word = word.lower()
    return MONTHS.get(word) or MONTH_ABBREVIATIONS[word]


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
    """The cycle shift of a relative adjective: «прошлого» -> -1, «этом» -> 0."""
    if word.lower() in THIS_FORMS:
        return 0
    return _stem_lookup(word, RELATIVE_STEMS)


def part_modifier(words: str) -> Modifier:
    """The modifier a part word names: «начале» -> start."""
    return PART_WORDS[" ".join(words.lower().split())]
