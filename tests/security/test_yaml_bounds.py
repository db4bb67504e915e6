"""YAML alias bombs and oversized metadata are refused before any value is formatted or
walked: reading them is bounded in time and memory, and the package gets a clear problem."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from steward.distro.files import MAX_METADATA_BYTES
from steward.distro.metadata import load_upstream_info, parse_upstream_info
from steward.distro.tree import load_tree


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic: each level a list of ``width`` aliases of the one below (width**levels)."""
    lines = ["version_control: github", "src_repo: example/lol", 'lol0: &l0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"lol{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_in_bounded_memory() -> None:
    text = billion_laughs()
    assert len(text) < 1000
    tracemalloc.start()
    try:
        info = parse_upstream_info(text, source="lol.yaml")
        # Checked before anything is rendered: unbounded code would expand it there.
        assert [p.code for p in info.problems] == ["yaml-error"]
        assert "alias" in info.problems[0].message
        assert info.extra == ()
        rendered = json.dumps(info.to_dict())
        str(info)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak
    assert len(rendered) < 10_000


def test_bomb_hidden_in_a_known_key_is_refused() -> None:
    text = billion_laughs().replace("src_repo: example/lol", "src_repo: *l9")
    info = parse_upstream_info(text, source="lol.yaml")
    assert [p.code for p in info.problems] == ["yaml-error"]


def test_self_containing_alias_is_refused() -> None:
    info = parse_upstream_info("version_control: github\ngit_tag: &t [*t]\n", source="r.yaml")
    assert [p.code for p in info.problems] == ["yaml-error"]
    assert "contains itself" in info.problems[0].message


def test_a_few_honest_aliases_still_load() -> None:
    text = "version_control: github\nsrc_repo: &r owner/repo\nurl: *r\nx: &l [1, 2]\ny: *l\n"
    info = parse_upstream_info(text, source="ok.yaml")
    assert info.src_repo == "owner/repo" and info.url == "owner/repo"
    assert "yaml-error" not in info.problem_codes()


def test_metadata_file_past_the_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.write(b"version_control: github\nsrc_repo: a/b\n")
        handle.truncate(MAX_METADATA_BYTES + 1)
    info = load_upstream_info(path)
    assert info.problem_codes() == ("unreadable",)
    assert "larger than the limit" in info.problems[0].message
    long_text = "version_control: github\n" + "#" * (MAX_METADATA_BYTES + 1)
    assert parse_upstream_info(long_text, source="x").problem_codes() == ("unreadable",)


def test_deeply_nested_yaml_is_an_error_not_a_crash() -> None:
    text = "version_control: github\nx: " + "[" * 100_000 + "]" * 100_000 + "\n"
    info = parse_upstream_info(text, source="deep.yaml")
    assert info.problem_codes() == ("yaml-error",)


def test_nesting_that_recursive_code_cannot_render_is_refused() -> None:
    # 999 levels load (libyaml stops at 1000) but break JSON output and repr.
    text = "version_control: github\nsrc_repo: a/b\nx: " + "[" * 999 + "]" * 999 + "\n"
    info = parse_upstream_info(text, source="deep.yaml")
    assert info.problem_codes() == ("yaml-error",)
    assert "nested" in info.problems[0].message
    json.dumps(info.to_dict())


def test_inventory_of_a_tree_with_a_bomb_reports_the_package_and_loads_the_rest(
    tmp_path: Path,
) -> None:
    for name, metadata in (("lol", billion_laughs()), ("good", "version_control: NA\n")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n"
        )
        (folder / f"{name}.yaml").write_text(metadata)
    distro = load_tree(tmp_path, jobs=1)
    assert "unreadable-yaml" in distro["lol"].problem_codes()
    assert distro["good"].version == "1"
    assert len(json.dumps(distro.to_dict())) < 20_000
