"""Every setting-like name the docs and docstrings give (an upper-case name ending in a unit:
``IDEMPOTENCY_KEY_HOURS``, ``KEY_CACHE_SECONDS``) is a setting (an environment variable of
``Settings``) or a constant the code defines: an operator looking one up finds it."""

from __future__ import annotations

import re
from pathlib import Path

from sellers_center.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ("README.md", "docs", "deploy", "src", "clients/python/src", "clients/python/README.md")
UNIT_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:SECONDS|MINUTES|HOURS|DAYS|BYTES|MB)\b")
CONSTANT = re.compile(r"^\s*([A-Z][A-Z0-9_]+)\s*(?::[^=\n]+)?=", re.MULTILINE)


def files(suffixes: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for name in TEXTS:
        path = ROOT / name
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file())
    return [path for path in found if path.suffix in suffixes]


def test_every_documented_unit_name_is_a_setting_or_a_constant() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    code = [path.read_text() for path in files((".py",))]
    constants = {name for text in code for name in CONSTANT.findall(text)}
    named = {
        (name, str(path.relative_to(ROOT)))
        for path in files((".py", ".md"))
        for name in UNIT_NAME.findall(path.read_text())
    }

    unknown = sorted((name, where) for name, where in named if name not in settings | constants)

    assert len(named) > 10  # the docs do name settings and constants
    assert unknown == []
