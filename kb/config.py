"""Where the knowledge base lives and where its bundled files are."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///kb.sqlite"
_PACKAGE_DIR = Path(__file__).resolve().parent


def database_url(explicit: str | None = None) -> str:
    """The database URL: an explicit one, else ``KB_DATABASE_URL``, else ``kb.sqlite`` here."""
    return explicit or os.environ.get("KB_DATABASE_URL") or DEFAULT_DATABASE_URL


def _bundled(name: str) -> Path:
    # In a source checkout (or an editable install) the files sit at the repository's top
    # level; a built wheel carries copies under kb/_bundled (see pyproject.toml).
    checkout = _PACKAGE_DIR.parent / name
    return checkout if checkout.exists() else _PACKAGE_DIR / "_bundled" / name


def repository_dir() -> Path:
    """The source checkout this package runs from (its tests and evaluation data live there)."""
    return _PACKAGE_DIR.parent


def migrations_dir() -> Path:
    """The Alembic script directory."""
    return _bundled("migrations")


def seeds_dir() -> Path:
    """The bundled seed corpus: ``gazetteer.toml`` and ``articles/``."""
    return Path(os.environ["KB_SEEDS_DIR"]) if os.environ.get("KB_SEEDS_DIR") else _bundled("seeds")


def gazetteer_path() -> Path:
    """The gazetteer of known organizations and models."""
    return seeds_dir() / "gazetteer.toml"


def whole_number_setting(variable: str, minimum: int, unit: str) -> int | None:
    """The whole number in the environment variable ``variable``, None when it is unset or blank.

    A ValueError names the variable when the value is not a number of ``unit`` of at least
    ``minimum``: ``KB_API_THREADS='many' is not a number of threads``.
    """
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{variable}={value!r} is not a number of {unit}") from None
    if number < minimum:
        raise ValueError(f"{variable}={value!r}: at least {minimum} {unit} are needed")
    return number
