#!/usr/bin/env python3
"""How often Steward names the newest stable release, on openEuler's real tag lists.

``../shared/data/upstream-info/`` holds openEuler's upstream-metadata YAML files; 837 of them
carry the project's whole tag list with dates (``git_tag``), as openEuler-Advisor saw it.
For each of those this script runs what ``steward check`` runs on a git upstream, without
the network: the package's tag rules (:func:`steward.upstream.engine.releases_for`, and the
tags they drop, read without them) and the recommendation with its check of stale tag rules
(:func:`steward.upstream.recommend.recommend_from_tags`), with the
packaged version unknown (the data does not say what was packaged; an unknown packaged
version must not change the answer).

The truth comes from the data, independently of Steward's rules, and only where it is
certain: among the tags that read as plain numbers (``v1.2.3``, ``FOO_1_2_3``: a word
prefix, numbers joined by ``.``/``_``/``-``, nothing after), the tag dated last must also
be the highest version of its own prefix family, that family must hold at least three
such tags, and no family with a higher version may have a tag dated within a year of it
(an old family with higher numbers, or a younger maintained line, makes it uncertain).
GNOME-hosted projects whose answer would be an odd minor are left uncertain too (the truth
depends on whether the project uses odd development minors). The other packages are
counted and listed with ``--uncertain``: judge those by hand.

nvchecker is configured from the same metadata (``tag_prefix`` as ``include_regex`` and a
``from_pattern`` removing it, ``separator`` replaced by ``.`` where nvchecker can express it)
and its own list processing (``apply_list_options``, ``substitute_version``) runs over the
same tags: the versions nvchecker's ``git`` source would report, without ``git ls-remote``.

    .venv/bin/python benchmarks/upstream_answers.py                 # the summary table
    .venv/bin/python benchmarks/upstream_answers.py --wrong         # and each wrong answer
    .venv/bin/python benchmarks/upstream_answers.py --uncertain 40  # a sample to judge
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import logging
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import structlog

from steward.distro.metadata import UpstreamInfo, load_upstream_info
from steward.upstream.engine import releases_for
from steward.upstream.recommend import Policy, Recommendation, recommend_version
from steward.upstream.resolve import resolve_from_metadata
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import Release

try:  # the stale tag rules check and the odd-minor rule read from history
    from steward.upstream.engine import releases_outside_rules
    from steward.upstream.recommend import ODD_MINOR_FROM_HISTORY, recommend_from_tags

    GNOME_DEFAULT: bool | str = ODD_MINOR_FROM_HISTORY
except ImportError:  # the code before them, for the "before" measurement
    releases_outside_rules = recommend_from_tags = None  # type: ignore[assignment]
    GNOME_DEFAULT = True

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "upstream-info"
#: The packaged version handed to the recommendation: no upstream release is called this.
UNKNOWN = "0.0.0.unknown"

# A word with digits (bzip2-, libp11-) belongs to the family only before a '-': TCSH6_22_02
# is version 6.22.02 of the family "tcsh".
_PLAIN = re.compile(
    r"(?P<family>(?:[A-Za-z]{2,}[A-Za-z0-9+]*-|[A-Za-z+]+[_.])*[A-Za-z+]*)(?P<num>\d+(?:[._-]\d+)*)"
)
_YEAR = 365


@dataclasses.dataclass(frozen=True)
class Plain:
    date: _dt.date
    family: str
    numbers: tuple[int, ...]
    tag: str


def plain_tags(info: UpstreamInfo) -> list[Plain]:
    out = []
    for entry in info.git_tag:
        match = _PLAIN.fullmatch(entry.tag)
        if match and entry.date is not None:
            numbers = tuple(int(n) for n in re.split(r"[._-]", match["num"]))
            out.append(Plain(entry.date, match["family"].lower(), numbers, entry.tag))
    return out


def gnome_hosted(upstream: Upstream | None, info: UpstreamInfo) -> bool:
    repo = (info.src_repo or "") + " " + (info.git_url or "")
    kind = (info.raw_kind or "").lower()
    return (
        "gnome" in kind
        or "gnome" in repo.lower()
        or bool(upstream and upstream.option("host") == "gitlab.gnome.org")
    )


def truth(info: UpstreamInfo, gnome: bool) -> tuple[tuple[int, ...] | None, str]:
    """The newest stable release's numbers when the data makes it certain, else why not."""
    tags = plain_tags(info)
    if not tags:
        return None, "no plain-number tag"
    last = max(tags, key=lambda t: (t.date, t.numbers))
    family = [t for t in tags if t.family == last.family]
    if len(family) < 3:
        return None, "family too small"
    top = max(t.numbers for t in family)
    if top != last.numbers:
        return None, "the tag dated last is not its family's highest"
    for other in tags:
        if other.numbers > top and (last.date - other.date).days < _YEAR:
            return None, "a higher version in another family"
    if gnome and len(top) >= 2 and top[1] % 2 == 1:
        return None, "GNOME-hosted, odd minor"
    if len(top) >= 1 and top[0] >= 1000 and len(str(top[0])) not in (4, 8):
        return None, "odd numbering"
    return top, ""


def numbers_of(version: str | None) -> tuple[int, ...] | None:
    if version is None:
        return None
    match = re.match(r"\d+(?:[._-]\d+)*", version)
    return tuple(int(n) for n in re.split(r"[._-]", match.group())) if match else None


def steward_answer(name: str, info: UpstreamInfo) -> tuple[Upstream | None, Recommendation | None]:
    upstream = resolve_from_metadata(name, info)
    if not isinstance(upstream, Upstream):
        return None, None
    raw = [
        Release(
            t.tag, t.tag, _dt.datetime(t.date.year, t.date.month, t.date.day) if t.date else None
        )
        for t in info.git_tag
    ]
    policy = Policy()
    if upstream.kind == "gnome" or upstream.option("host") == "gitlab.gnome.org":
        policy = dataclasses.replace(policy, gnome_odd_minor=GNOME_DEFAULT)  # as the engine does
    releases, notes = releases_for(raw, upstream, tags=True)
    if recommend_from_tags is None:
        return upstream, recommend_version(UNKNOWN, releases, policy)
    outside = releases_outside_rules(raw, upstream.rules) if not notes else []
    return upstream, recommend_from_tags(UNKNOWN, releases, outside, policy)[1]


def nvchecker_answer(info: UpstreamInfo) -> tuple[int, ...] | None:
    from nvchecker.core import apply_list_options, substitute_version

    conf: dict[str, str] = {}
    prefix = info.tag_prefix
    if prefix:
        conf["include_regex"] = f"(?:{prefix}).*"
        conf["from_pattern"] = f"^(?:{prefix})"
        conf["to_pattern"] = ""
    elif info.separator and info.separator not in (".", "NA"):
        conf["from_pattern"] = info.separator
        conf["to_pattern"] = "."
    tags = [t.tag for t in info.git_tag]
    try:
        best = apply_list_options(list(tags), conf, "pkg")
        if best is None:
            return None
        version = substitute_version(str(best), conf)
    except Exception:  # a bad pattern is nvchecker's failure, counted as such
        return None
    if info.separator and info.separator not in (".", "NA") and prefix:
        version = re.sub(info.separator, ".", version)  # a second substitution nvchecker lacks
    return numbers_of(version.lstrip("vV"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--wrong", action="store_true", help="list each wrong answer")
    parser.add_argument("--uncertain", type=int, default=0, help="print a sample of N uncertain")
    parser.add_argument("--only", nargs="*", help="package names")
    args = parser.parse_args(argv)
    # nvchecker logs "include_regex matched no versions" through structlog, for each miss.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    counts: Counter[str] = Counter()
    why_uncertain: Counter[str] = Counter()
    findings: Counter[str] = Counter()
    wrong: list[str] = []
    uncertain: list[str] = []
    for path in sorted(args.data.glob("*.yaml")):
        name = path.stem
        if args.only and name not in args.only:
            continue
        info = load_upstream_info(path)
        if not info.git_tag:
            continue
        counts["with tags"] += 1
        upstream, rec = steward_answer(name, info)
        for finding in getattr(rec, "findings", ()) or ():
            findings[getattr(finding, "code", str(finding))] += 1
        got = numbers_of(rec.newest_stable.version) if rec and rec.newest_stable else None
        want, why = truth(info, gnome_hosted(upstream, info))
        line = f"{name}: steward {rec.newest_stable.version if rec and rec.newest_stable else None}"
        if want is None:
            counts["uncertain"] += 1
            why_uncertain[why] += 1
            uncertain.append(f"{line} ({why}); tags {[t.tag for t in info.git_tag[:8]]}")
            continue
        counts["certain"] += 1
        nv = nvchecker_answer(info)
        counts["nvchecker right"] += nv == want
        if got == want:
            counts["steward right"] += 1
        else:
            wanted = ".".join(map(str, want))
            reason = rec.reason if rec else "no upstream"
            wrong.append(f"{line}, truth {wanted}; prefix {info.tag_prefix!r}: {reason[:300]}")

    certain = counts["certain"] or 1
    print(f"packages with a tag list         {counts['with tags']}")
    print(f"answer certain from the data     {counts['certain']}")
    print(
        f"  Steward names the newest stable  {counts['steward right']}"
        f"  ({100 * counts['steward right'] / certain:.1f}%)"
    )
    print(
        f"  nvchecker (same metadata)        {counts['nvchecker right']}"
        f"  ({100 * counts['nvchecker right'] / certain:.1f}%)"
    )
    print(
        f"uncertain (judge by hand)        {counts['uncertain']}: "
        + ", ".join(f"{why} {n}" for why, n in why_uncertain.most_common())
    )
    if findings:
        print("findings: " + ", ".join(f"{code} {n}" for code, n in findings.most_common()))
    if args.wrong:
        print("\nwrong:")
        print("\n".join(wrong))
    if args.uncertain:
        print("\nuncertain sample:")
        for line in random.Random(11).sample(uncertain, min(args.uncertain, len(uncertain))):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
