"""Waivers kept in the package repository: a check's failure accepted for a reason, in a
scope, until a date.

A package folder may carry them in its ``steward.toml``::

    [[review.waivers]]
    check = "files.unreferenced"      # a rule id, or a check name ("files") for all its rules
    reason = "kept for the 2.0 migration"
    path = "old-*.patch"              # optional: the result's subject or evidence file (glob)
    value = "GPLv2"                   # optional: text the result's subject or message contains
    expires = 2027-01-31

or in a ``review.yaml`` with the same keys under ``waivers:``. Waived results stay in the
review, marked waived. A waiver past its expiry date waives nothing and is reported; so is a
waiver that matched no failure, and one the change itself adds (a change must not be able to
waive its own blockers unnoticed).
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from steward.config import ConfigError, parse_tree_config
from steward.distro.files import MAX_TREE_CONFIG_BYTES, UnsafeFile, read_tree_file
from steward.review.checks.base import Rules, rule
from steward.review.model import CheckResult, Evidence, Severity, State

__all__ = ["RULES", "Waiver", "WaiverError", "apply_waivers", "invalid_waivers", "load_waivers"]

_R = Rules(
    rule("waivers.valid", Severity.WARNING, "The waivers are readable",
         "Fix the waiver: it needs check, reason and expires (YYYY-MM-DD)."),
    rule("waivers.expired", Severity.WARNING, "No waiver has expired",
         "Fix what the waiver covered, or renew it with a new expiry date and reason."),
    rule("waivers.unused", Severity.NOTE, "Every waiver waives something",
         "Remove the waiver: nothing it covers fails any more."),
    rule("waivers.added", Severity.WARNING, "The change adds no waiver unseen",
         "A reviewer must agree to a waiver the change adds for itself."),
)
RULES = _R.all


class WaiverError(ValueError):
    """A waiver file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Waiver:
    check: str
    reason: str
    expires: _dt.date
    origin: str
    path: str | None = None
    value: str | None = None

    def covers(self, result: CheckResult) -> bool:
        if not (result.id == self.check or result.check == self.check):
            return False
        if self.path is not None:
            names = [result.subject or ""] + [e.file or "" for e in result.evidence]
            if not any(n and fnmatch.fnmatch(n, self.path) for n in names):
                return False
        if self.value is not None:
            text = f"{result.subject or ''} {result.message}"
            if self.value not in text:
                return False
        return True

    @property
    def key(self) -> tuple[str, str | None, str | None, str]:
        return (self.check, self.path, self.value, self.reason)

    def describe(self) -> str:
        scope = "".join(
            f" {k}={v!r}" for k, v in (("path", self.path), ("value", self.value)) if v
        )
        return f"{self.check}{scope} (until {self.expires}, {self.origin})"


def load_waivers(folder: Path) -> list[Waiver]:
    """The waivers of package folder ``folder`` (``steward.toml`` then ``review.yaml``)."""
    found: list[Waiver] = []
    toml_path = folder / "steward.toml"
    if toml_path.exists() or toml_path.is_symlink():
        text = _read(toml_path, folder)
        try:
            table = parse_tree_config(text, toml_path).review
        except ConfigError as exc:
            raise WaiverError(str(exc)) from None
        found += _waivers(table.get("waivers", []), "steward.toml")
    yaml_path = folder / "review.yaml"
    if yaml_path.exists() or yaml_path.is_symlink():
        try:
            data = yaml.safe_load(_read(yaml_path, folder))
        except yaml.YAMLError as exc:
            raise WaiverError(f"review.yaml: not valid YAML: {exc}") from None
        if data is not None and not isinstance(data, dict):
            raise WaiverError("review.yaml: expected a mapping with a 'waivers' list")
        found += _waivers((data or {}).get("waivers", []), "review.yaml")
    return found


def _read(path: Path, folder: Path) -> str:
    try:
        return read_tree_file(path, root=folder, limit=MAX_TREE_CONFIG_BYTES).decode(
            "utf-8", errors="replace"
        )
    except (UnsafeFile, OSError) as exc:
        raise WaiverError(f"{path.name}: not read: {exc}") from None


def _waivers(items: Any, origin: str) -> list[Waiver]:
    if not isinstance(items, list):
        raise WaiverError(f"{origin}: waivers must be a list of tables")
    out = []
    for n, item in enumerate(items, 1):
        where = f"{origin} waiver {n}"
        if not isinstance(item, dict):
            raise WaiverError(f"{where}: expected a table with check, reason and expires")
        unknown = set(item) - {"check", "reason", "expires", "path", "value"}
        if unknown:
            raise WaiverError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        check, reason, expires = item.get("check"), item.get("reason"), item.get("expires")
        if not isinstance(check, str) or not check:
            raise WaiverError(f"{where}: 'check' must name a rule id such as spec.release-reset")
        if not isinstance(reason, str) or not reason.strip():
            raise WaiverError(f"{where}: 'reason' is required: say why the failure is accepted")
        if isinstance(expires, str):
            try:
                expires = _dt.date.fromisoformat(expires)
            except ValueError:
                raise WaiverError(f"{where}: expires {expires!r} is not YYYY-MM-DD") from None
        if isinstance(expires, _dt.datetime):
            expires = expires.date()
        if not isinstance(expires, _dt.date):
            raise WaiverError(f"{where}: 'expires' (YYYY-MM-DD) is required")
        scope = {k: item.get(k) for k in ("path", "value")}
        for key, value in scope.items():
            if value is not None and not isinstance(value, str):
                raise WaiverError(f"{where}: '{key}' must be a string")
        out.append(Waiver(check, reason.strip(), expires, origin, scope["path"], scope["value"]))
    return out


def apply_waivers(
    results: Sequence[CheckResult],
    waivers: Iterable[Waiver],
    today: _dt.date,
    *,
    earlier: Iterable[Waiver] = (),
) -> list[CheckResult]:
    """``results`` with the failures the live waivers cover marked waived, followed by the
    waivers' own results (expired, unused, added by this change)."""
    waivers = list(waivers)
    live = [w for w in waivers if w.expires >= today]
    used: set[int] = set()
    out: list[CheckResult] = []
    for r in results:
        if r.state is State.FAIL:
            for i, w in enumerate(live):
                if w.covers(r):
                    used.add(i)
                    r = r.waive(f"{w.reason} (waiver in {w.origin}, until {w.expires})")
                    break
        out.append(r)
    own: list[CheckResult] = []
    for w in waivers:
        if w.expires < today:
            own.append(_R.result("waivers.expired", State.FAIL,
                                 f"waiver {w.describe()} expired; it waives nothing",
                                 [Evidence(file=w.origin, value=w.reason)], subject=w.check))
    for i, w in enumerate(live):
        if i not in used:
            own.append(_R.result("waivers.unused", State.FAIL,
                                 f"waiver {w.describe()} matched no failure",
                                 [Evidence(file=w.origin, value=w.reason)], subject=w.check))
    old = {w.key for w in earlier}
    for w in waivers:
        if w.key not in old:
            own.append(_R.result("waivers.added", State.UNDECIDED,
                                 f"this change adds waiver {w.describe()}: {w.reason}",
                                 [Evidence(file=w.origin, value=w.reason)], subject=w.check))
    if not waivers:
        own.append(_R.result("waivers.expired", State.NOT_APPLICABLE, "no waivers"))
    return out + own


def invalid_waivers(error: WaiverError) -> CheckResult:
    return _R.result("waivers.valid", State.FAIL, str(error), [Evidence(value=str(error))])
