"""Alias keys, tokens and lemmas: how names in Russian text are compared."""

import pytest

from kb.names import alias_key, lemma, tokenize


@pytest.mark.parametrize(
    ("a", "b"),
    [("Meta✴", "Meta"), ("LLaMA-7B", "llama 7b"), ("GPT-4", "gpt4"), ("«Сбер»", "сбер"), ("Ёлка", "елка")],
)
def test_alias_keys_fold_case_punctuation_and_marks(a, b):
    assert alias_key(a) == alias_key(b)


def test_lemmas_undo_russian_inflection():
    assert lemma("Яндекса") == lemma("Яндексом") == "яндекс"
    assert lemma("утекли") == "утечь"
    assert lemma("LLaMA") == "llama"


def test_tokens_keep_offsets_and_joined_names():
    text = "Meta✴ выпустила GPT-3.5 и o1-preview."
    tokens = tokenize(text, offset=10)
    assert [t.text for t in tokens] == ["Meta", "выпустила", "GPT-3.5", "и", "o1-preview"]
    assert all(text[t.start - 10 : t.end - 10] == t.text for t in tokens)
