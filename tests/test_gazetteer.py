"""The curated gazetteer: enough entities, consistent facts, aliases that name one entity."""

from collections import Counter

import pytest
from sqlmodel import func, select

from kb.db import session_scope
from kb.gazetteer import GazetteerError, load_gazetteer, sync_gazetteer
from kb.models import AIModel, Alias, Organization
from kb.names import alias_key


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def test_gazetteer_is_large_enough(gazetteer):
    assert len(gazetteer.organizations) >= 40
    assert len(gazetteer.models) >= 80


def test_alias_keys_name_one_entity_each(gazetteer):
    keys = Counter(
        alias_key(text)
        for entity in [*gazetteer.organizations, *gazetteer.models]
        for text in {entity.name, *entity.aliases}
    )
    assert [key for key, count in keys.items() if count > 1] == []


def test_llama_family_facts(gazetteer):
    models = {m.name: m for m in gazetteer.models}
    assert models["LLaMA"].developer == "Meta"
    for size in ("7B", "13B", "33B", "65B"):
        assert models[f"LLaMA-{size}"].family == "LLaMA"
    assert models["GPT-3"].parameters == 175_000_000_000
    orgs = {o.name: o for o in gazetteer.organizations}
    assert orgs["4chan"].kind == "platform"
    assert {"Facebook", "Meta Platforms"} <= set(orgs["Meta"].aliases)


def test_sync_is_idempotent(engine):
    with session_scope(engine) as session:
        assert sync_gazetteer(session) > 0
    with session_scope(engine) as session:
        counts = [session.exec(select(func.count()).select_from(t)).one() for t in (Organization, AIModel, Alias)]
        assert sync_gazetteer(session) == 0
    with session_scope(engine) as session:
        assert [session.exec(select(func.count()).select_from(t)).one() for t in (Organization, AIModel, Alias)] == counts


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[organization]]\nname = 'A'\nkind = 'bank'\n", "[[organization]] #1 (A)"),
        ("[[model]]\nname = 'M'\ndeveloper = 'Nobody'\n", "developer 'Nobody' is not an organization"),
        ("[[model]]\nname = 'M'\nfamily = 'Ghost'\n", "family 'Ghost' is not a model"),
        ("[[model]\n", "gaz.toml"),
    ],
)
def test_malformed_gazetteer_names_the_file_and_entry(tmp_path, content, message):
    path = tmp_path / "gaz.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GazetteerError) as error:
        load_gazetteer(path)
    assert str(path) in str(error.value) and message in str(error.value)
