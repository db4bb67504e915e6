"""license: ``License:`` is a valid SPDX expression (legacy Fedora/openEuler short names are
mapped and named), a change of it is flagged for a human, and a license text that changed
upstream while ``License:`` stayed the same is caught."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from license_expression import (  # type: ignore[import-untyped]
    ExpressionError,
    Licensing,
    get_spdx_licensing,
)

from steward.review.checks.base import Rules, rule
from steward.review.context import ReviewContext, Side, SourceTreeError
from steward.review.model import CheckResult, Evidence, Severity, State

__all__ = ["LEGACY_NAMES", "RULES", "run", "to_spdx"]

_R = Rules(
    rule("license.spdx", Severity.WARNING, "License: is a valid SPDX expression",
         "Write License: in SPDX (https://spdx.org/licenses/), e.g. 'GPL-2.0-or-later AND MIT'."),
    rule("license.changed", Severity.WARNING, "A License: change is confirmed",
         "Confirm the new License: against the upstream's license files."),
    rule("license.upstream-text", Severity.WARNING, "License files match License:",
         "The upstream license text changed: update License: or confirm it still holds."),
)
RULES = _R.all

#: Fedora's and openEuler's legacy short names → SPDX (from Fedora's legacy-to-SPDX list).
LEGACY_NAMES: dict[str, str] = {
    "ASL 2.0": "Apache-2.0", "ASL 1.1": "Apache-1.1", "GPLv2": "GPL-2.0-only",
    "GPLv2+": "GPL-2.0-or-later", "GPLv3": "GPL-3.0-only", "GPLv3+": "GPL-3.0-or-later",
    "GPL+": "GPL-1.0-or-later", "LGPLv2": "LGPL-2.0-only", "LGPLv2+": "LGPL-2.0-or-later",
    "LGPLv2.1": "LGPL-2.1-only", "LGPLv2.1+": "LGPL-2.1-or-later", "LGPLv3": "LGPL-3.0-only",
    "LGPLv3+": "LGPL-3.0-or-later", "AGPLv3": "AGPL-3.0-only", "AGPLv3+": "AGPL-3.0-or-later",
    "MPLv1.1": "MPL-1.1", "MPLv2.0": "MPL-2.0", "MPL 2.0": "MPL-2.0", "BSD": "BSD-3-Clause",
    "Python": "Python-2.0", "PSF": "Python-2.0", "zlib": "Zlib", "Boost": "BSL-1.0",
    "Public Domain": "LicenseRef-Fedora-Public-Domain", "OpenSSL": "OpenSSL",
    "Artistic 2.0": "Artistic-2.0", "Artistic clarified": "ClArtistic", "EPL": "EPL-1.0",
    "EPL-1.0": "EPL-1.0", "Copyright only": "LicenseRef-Fedora-Copyright-Only",
    "Mulan PSL v2": "MulanPSL-2.0", "MulanPSLv2": "MulanPSL-2.0", "ISC": "ISC",
    "Vim": "Vim", "OFL": "OFL-1.1", "Ruby": "Ruby", "PHP": "PHP-3.01", "UCD": "Unicode-DFS-2016",
}
_LICENSE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|COPYRIGHT|NOTICE)([.-].*)?$", re.IGNORECASE)


@functools.cache
def _licensing() -> Licensing:
    return get_spdx_licensing()


def to_spdx(value: str) -> tuple[str | None, list[str], list[str]]:
    """``(normalised SPDX or None, legacy names mapped, errors)`` for a ``License:`` value."""
    mapped: list[str] = []
    text = value.strip()
    # Longest names first, so "GPLv2+" is not read as "GPLv2" followed by "+".
    for legacy in sorted(LEGACY_NAMES, key=len, reverse=True):
        pattern = rf"(?<![\w.+-]){re.escape(legacy)}(?![\w.+-])"
        if LEGACY_NAMES[legacy] != legacy and re.search(pattern, text):
            text = re.sub(pattern, LEGACY_NAMES[legacy], text)
            mapped.append(legacy)
    text = re.sub(r"\b(and|or|with)\b", lambda m: m[1].upper(), text)
    try:
        info = _licensing().validate(text)
    except ExpressionError as exc:
        return None, mapped, [str(exc)]
    errors = list(info.errors)
    if errors or info.normalized_expression is None:
        return None, mapped, errors or ["not an expression"]
    return str(info.normalized_expression), mapped, []


def run(ctx: ReviewContext) -> list[CheckResult]:
    after = ctx.after
    if after is None:
        return [_R.result(r.id, State.NOT_APPLICABLE, "the package is removed") for r in RULES]
    return [*_spdx(after), _changed(ctx, after), _upstream_text(ctx, after)]


def _tag_evidence(side: Side) -> list[Evidence]:
    tag = side.spec.tag("License")
    return [Evidence(file=side.spec_file, line=tag.line if tag else None, value=side.spec.license)]


def _spdx(after: Side) -> list[CheckResult]:
    out = []
    values = {p.license for p in after.spec.packages if p.license} or {after.spec.license or ""}
    for value in sorted(values):
        ev = [Evidence(file=after.spec_file, value=value)]
        if not value:
            out.append(_R.result("license.spdx", State.FAIL, "no License: tag", ev))
            continue
        spdx, mapped, errors = to_spdx(value)
        if spdx is None:
            out.append(_R.result("license.spdx", State.FAIL,
                                 f"License: {value} is not valid SPDX: {'; '.join(errors)}",
                                 ev, subject=value))
        elif mapped:
            out.append(_R.result("license.spdx", State.FAIL,
                                 f"License: {value} uses legacy names ({', '.join(mapped)}); "
                                 f"in SPDX: {spdx}", ev, subject=value, severity=Severity.NOTE))
        else:
            out.append(_R.result("license.spdx", State.PASS, f"License: {spdx}", ev))
    return out


def _changed(ctx: ReviewContext, after: Side) -> CheckResult:
    before = ctx.before
    if before is None:
        return _R.result("license.changed", State.NOT_APPLICABLE, "a new package")
    old, new = before.spec.license or "", after.spec.license or ""
    if (to_spdx(old)[0] or old) == (to_spdx(new)[0] or new):
        return _R.result("license.changed", State.PASS, f"License: {new} is unchanged")
    return _R.result("license.changed", State.UNDECIDED,
                     f"License: changed from {old} to {new}", _tag_evidence(after), subject=new)


def _license_files(root: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        wanted = len(rel.parts) <= 2 and _LICENSE_FILE.match(path.name)
        if wanted and path.is_file() and not path.is_symlink():
            found[str(rel)] = path.read_bytes()[:1 << 20]
    return found


def _terms(text: bytes | None) -> bytes | None:
    """A license text without years and layout: a copyright-year bump is no license change."""
    if text is None:
        return None
    return re.sub(rb"[\d\s,.\-]+", b" ", text).strip().lower()


def _upstream_text(ctx: ReviewContext, after: Side) -> CheckResult:
    if not ctx.version_changed or ctx.before is None:
        return _R.result("license.upstream-text", State.NOT_APPLICABLE, "Version: is unchanged")
    try:
        old = _license_files(ctx.source_tree("before"))
        new = _license_files(ctx.source_tree("after"))
    except SourceTreeError as exc:
        return _R.result("license.upstream-text", State.UNDECIDED, f"not compared: {exc}")
    changed = sorted(
        n for n in set(old) | set(new) if _terms(old.get(n)) != _terms(new.get(n))
    )
    if not changed:
        return _R.result("license.upstream-text", State.PASS,
                         f"license files unchanged ({', '.join(sorted(new)) or 'none'})")
    if (ctx.before.spec.license or "") != (after.spec.license or ""):
        return _R.result("license.upstream-text", State.PASS,
                         f"license files changed ({', '.join(changed)}) and so did License:")
    return _R.result("license.upstream-text", State.FAIL,
                     f"upstream license files changed ({', '.join(changed)}) but License: "
                     f"stayed {after.spec.license}",
                     [Evidence(file=n) for n in changed] + _tag_evidence(after),
                     subject=", ".join(changed))
