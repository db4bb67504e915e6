"""Parsed packages kept between loads: reused while their files are the same, never after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_package_tree import make_package, spec_text

from steward.distro import tree as tree_module
from steward.distro.tree import Distro, load_tree
from steward.distro.treecache import TreeCache


class Parses:
    """Counts the packages actually parsed (not taken from the cache)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.items: list[str] = []
        real = tree_module._Loader.load

        def load(loader: tree_module._Loader, item: str) -> tree_module.PackageRecord:
            self.items.append(Path(item).name)
            return real(loader, item)

        monkeypatch.setattr(tree_module._Loader, "load", load)

    def take(self) -> list[str]:
        items, self.items = sorted(self.items), []
        return items


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Parses:
    return Parses(monkeypatch)


def dicts(distro: Distro) -> list[dict[str, object]]:
    return [p.to_dict() for p in distro]


def load(root: Path, cache: Path, **kwargs: object) -> Distro:
    return load_tree(root, cache_dir=cache, jobs=1, **kwargs)  # type: ignore[arg-type]


def bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_an_unchanged_tree_is_not_parsed_again(tmp_path: Path, parses: Parses) -> None:
    root, cache = tmp_path / "tree", tmp_path / "cache"
    for name in ("curl", "jq", "zlib"):
        make_package(root, name)
    first = load(root, cache)
    assert parses.take() == ["curl", "jq", "zlib"]
    again = load(root, cache)
    assert parses.take() == []
    assert dicts(again) == dicts(first) == dicts(load_tree(root, jobs=1))


def test_a_changed_spec_is_parsed_again_and_only_it(tmp_path: Path, parses: Parses) -> None:
    root, cache = tmp_path / "tree", tmp_path / "cache"
    for name in ("curl", "jq"):
        make_package(root, name)
    load(root, cache)
    parses.take()
    spec = root / "jq" / "jq.spec"
    spec.write_text(spec_text("jq", version="1.7"))
    bump_mtime(spec)
    again = load(root, cache)
    assert parses.take() == ["jq"]
    assert again["jq"].version == "1.7"
    assert dicts(again) == dicts(load_tree(root, jobs=1))


def test_a_file_added_to_a_package_folder_is_seen(tmp_path: Path, parses: Parses) -> None:
    root, cache = tmp_path / "tree", tmp_path / "cache"
    spec = spec_text("jq", patches=("fix.patch",))
    make_package(root, "jq", spec=spec)
    make_package(root, "curl")
    assert load(root, cache)["jq"].patches[0].present is False
    parses.take()
    (root / "jq" / "fix.patch").write_text("--- a\n+++ b\n")
    again = load(root, cache)
    assert parses.take() == ["jq"]
    assert again["jq"].patches[0].present is True


def test_an_included_file_that_changes_is_read_again(tmp_path: Path, parses: Parses) -> None:
    root, cache = tmp_path / "tree", tmp_path / "cache"
    make_package(root, "jq", spec=spec_text("jq", extra="%include jq.inc"))
    included = root / "jq" / "jq.inc"
    included.write_text("BuildRequires: oniguruma-devel\n")
    assert "oniguruma-devel" in load(root, cache)["jq"].build_requires
    parses.take()
    included.write_text("BuildRequires: flex\n")
    bump_mtime(included)
    again = load(root, cache)
    assert parses.take() == ["jq"]
    assert again["jq"].build_requires == load_tree(root, jobs=1)["jq"].build_requires
    assert "flex" in again["jq"].build_requires


def test_flat_trees_are_cached_per_spec(tmp_path: Path, parses: Parses) -> None:
    root, cache = tmp_path / "flat", tmp_path / "cache"
    root.mkdir()
    for name in ("curl", "jq", "zlib"):
        (root / f"{name}.spec").write_text(spec_text(name))
    load(root, cache, layout="flat")
    parses.take()
    assert load(root, cache, layout="flat") and parses.take() == []
    spec = root / "zlib.spec"
    spec.write_text(spec_text("zlib", version="1.3.1"))
    bump_mtime(spec)
    again = load(root, cache, layout="flat")
    assert parses.take() == ["zlib.spec"]
    assert again["zlib"].version == "1.3.1"
    # A new file that any spec may name (a patch, a source) means every spec is read again.
    (root / "curl-1.0.tar.gz").write_bytes(b"data")
    again = load(root, cache, layout="flat")
    assert parses.take() == ["curl.spec", "jq.spec", "zlib.spec"]
    assert dicts(again) == dicts(load_tree(root, layout="flat", jobs=1))


def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(
    tmp_path: Path, parses: Parses
) -> None:
    root, cache = tmp_path / "tree", tmp_path / "cache"
    make_package(root, "jq")
    first = load(root, cache)
    (stored,) = (cache / "trees").iterdir()
    stored.write_bytes(b"\x80\x05not a pickle at all")
    parses.take()
    assert dicts(load(root, cache)) == dicts(first)
    assert parses.take() == ["jq"]
    assert load(root, cache) and parses.take() == []  # rewritten
    stored.chmod(0o664)  # others may write it: never unpickled
    assert load(root, cache) and parses.take() == ["jq"]


def test_what_is_not_cached(tmp_path: Path, parses: Parses) -> None:
    root, cache = tmp_path / "tree", tmp_path / "cache"
    make_package(root, "jq")
    make_package(root, "curl")
    load(root, cache, only=["jq"])
    load(root, cache, keep_specs=True)
    assert not (cache / "trees").exists()
    load(root, cache)
    load(root, cache, profile="fedora-41")  # another profile, another cache
    assert len(list((cache / "trees").iterdir())) == 2
    parses.take()
    load(root, cache, profile="fedora-41")
    assert parses.take() == []


def test_the_cache_key_names_tree_layout_and_profile(tmp_path: Path) -> None:
    from steward.distro.profiles import load_profile

    profile = load_profile("openeuler-24.03")
    a = TreeCache(tmp_path, tmp_path / "a", "src-openeuler", profile)
    assert a.path == TreeCache(tmp_path, tmp_path / "a", "src-openeuler", profile).path
    assert a.path != TreeCache(tmp_path, tmp_path / "b", "src-openeuler", profile).path
    assert a.path != TreeCache(tmp_path, tmp_path / "a", "fedora", profile).path
    other = load_profile("fedora-41")
    assert a.path != TreeCache(tmp_path, tmp_path / "a", "src-openeuler", other).path


def test_caches_left_alone_for_a_month_are_removed(tmp_path: Path) -> None:
    root, cache = tmp_path / "tree", tmp_path / "cache"
    make_package(root, "jq")
    (cache / "trees").mkdir(parents=True)
    old, recent = cache / "trees" / "old.pickle", cache / "trees" / "recent.pickle"
    old.write_bytes(b"")
    recent.write_bytes(b"")
    month_ago = old.stat().st_mtime - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    load(root, cache)
    assert not old.exists() and recent.exists()
    assert len(list((cache / "trees").glob("*.pickle"))) == 2  # recent, and this tree's
