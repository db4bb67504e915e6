"""docs/configuration.md documents every key of the configuration models."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.config import Defaults, NetworkSettings, UpstreamSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SECTIONS = {"defaults": Defaults, "network": NetworkSettings, "upstream": UpstreamSettings}


def rows() -> dict[str, str]:
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            key = line.split("`")[1]
            found[key] = line
    return found


@pytest.mark.parametrize(
    "key",
    [f"{section}.{name}" for section, model in SECTIONS.items() for name in model.model_fields],
)
def test_every_configuration_key_has_a_row_with_its_default(key: str) -> None:
    section, name = key.split(".")
    documented = rows()
    assert key in documented, f"docs/configuration.md has no row for {key}"
    default = SECTIONS[section].model_fields[name].get_default(call_default_factory=True)
    if isinstance(default, bool):
        shown = str(default).lower()
    elif default is None:
        shown = "none"
    elif isinstance(default, dict):
        shown = "{}"
    elif isinstance(default, str):
        shown = f'"{default}"'
    else:
        shown = str(default)
    assert shown in documented[key], f"{key}: default {shown} not in {documented[key]!r}"


def test_documented_keys_all_exist() -> None:
    known = {f"{s}.{n}" for s, m in SECTIONS.items() for n in m.model_fields} | {"packages"}
    documented = {k for k in rows() if k.split(".")[0] in (*SECTIONS, "packages")}
    assert documented <= known, documented - known
