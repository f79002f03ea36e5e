"""Which event a date belongs to: the one whose clause holds it.

In «Стартап, основанный в 2017 году, привлёк 100 млн долларов» the year hangs under
«основанный» (a participle clause), not under «привлёк»; in «раунда, о котором стало
известно в сентябре» under the relative clause. A trigger's dates are those of its clause as
punctuation and conjunctions delimit it, less those the dependency tree puts inside a
subordinate clause (participle, relative, adverbial) that does not hold the trigger. The
parser errs on long sentences, so it vetoes rather than decides; a date it hangs under a
verb of speech or news carries over to the clause that verb reports («5 марта стало
известно, что OpenAI выпустила …», «Компания 5 марта сообщила, что купила …»).
"""

from __future__ import annotations

from kb.dates import ResolvedDate
from kb.extract.clauses import in_any_segment, in_foreign_segment
from kb.extract.document import Sentence

# Relations that open a clause subordinate to its head.
SUBORDINATE_RELATIONS = frozenset({"acl", "acl:relcl", "advcl"})
# Verbs whose complement clause tells what happened on the day they name.
REPORTING_VERBS = frozenset({
    "сообщить", "сообщать", "объявить", "заявить", "рассказать", "написать", "известно", "стать", "подтвердить",
    "уточнить", "отметить", "узнать", "раскрыть", "выяснить", "говориться", "следовать", "официально",
})


def date_words(sentence: Sentence, when: ResolvedDate) -> list[int]:
    """The words of ``sentence`` that a date's span covers."""
    start, end = when.span
    return [i for i, word in enumerate(sentence.tokens) if word.start < end and word.end > start]


def date_head(sentence: Sentence, when: ResolvedDate) -> int | None:
    """The word of a date that attaches it to the sentence: the one whose head lies outside it."""
    words = date_words(sentence, when)
    inside = set(words)
    return next((i for i in words if sentence.tokens[i].head not in inside), words[0] if words else None)


def dates_of_trigger(sentence: Sentence, trigger_index: int, first: int, last: int) -> list[ResolvedDate]:
    """The dates of ``sentence`` that belong to the event told by the word at ``trigger_index``,
    whose clause spans words [first, last]."""
    start, end = sentence.tokens[first].start, sentence.tokens[last].end
    reporting = _reporting_clauses(sentence, sentence.clause_head(trigger_index))
    found = []
    for when in sentence.dates:
        head = date_head(sentence, when)
        if head is None:
            continue
        in_scope = (
            start <= when.span[0] < end
            and not _in_another_clause(sentence, head, trigger_index)
            and not in_foreign_segment(sentence, head, trigger_index)
        )
        if in_scope or sentence.clause_head(head) in reporting:
            found.append((sentence.tokens[head].head != trigger_index, not in_scope, len(found), when))
    # The trigger's own dependent first («отстранивший его в прошлую пятницу»), the report's date last.
    return [when for *_, when in sorted(found, key=lambda item: item[:3])]


def free_dates(sentence: Sentence) -> list[ResolvedDate]:
    """The dates of a sentence's main clauses: none of a relative, participle or gerund clause."""
    return [d for d in sentence.dates if (head := date_head(sentence, d)) is not None and not in_any_segment(sentence, head)]


def _in_another_clause(sentence: Sentence, word: int, trigger_index: int) -> bool:
    """Whether ``word`` stands in a subordinate clause that does not hold the trigger.

    Only a clause that runs unbroken from its head to the word counts: an attachment across
    words of other clauses is the parser's likely slip on a long sentence.
    """
    above_trigger = {trigger_index, *sentence.ancestors(trigger_index)}
    for node in [word, *sentence.ancestors(word)]:
        if node in above_trigger:
            return False
        if sentence.tokens[node].rel in SUBORDINATE_RELATIONS:
            # «партнёрства, которое компании начали в 2019 году»: a clause about the trigger's
            # own noun tells of its event.
            return sentence.tokens[node].head != trigger_index and _unbroken(sentence, node, word)
    return False


def _unbroken(sentence: Sentence, head: int, word: int) -> bool:
    """Whether every word between ``head`` and ``word`` belongs to ``head``'s subtree."""
    return all(head == i or head in sentence.ancestors(i) for i in range(min(head, word), max(head, word) + 1))


def _reporting_clauses(sentence: Sentence, clause: int) -> set[int]:
    """Clauses above ``clause`` that report it: a verb of speech or news and its complement."""
    found: set[int] = set()
    while True:
        word = sentence.tokens[clause]
        if word.head < 0 or word.rel not in ("ccomp", "parataxis", "acl", "acl:relcl"):
            return found
        # «О том, что xAI выложит Grok, Маск написал 11 марта»: the clause explains «том», which the verb governs.
        demonstrative = sentence.tokens[word.head].lemma in ("тот", "то")
        if word.rel.startswith("acl") and not demonstrative:
            return found
        parent = sentence.clause_head(word.head)
        if parent in found or parent == clause or sentence.tokens[parent].lemma not in REPORTING_VERBS:
            return found
        found.add(parent)
        clause = parent
