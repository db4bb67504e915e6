"""The reviewer checklist: openEuler-style items with conditions, answered by the checks
where a rule decides them and left to the human otherwise.

The default list is ``checklist.yaml`` beside this module; a package repository may keep
its own in ``review-checklist.yaml`` (same shape). See that file for the conditions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from steward.distro.files import MAX_METADATA_BYTES, UnsafeFile, read_tree_file
from steward.review.classify import added_patches, dropped_patches
from steward.review.context import ReviewContext
from steward.review.model import CheckResult, State

__all__ = ["CONDITIONS", "DEFAULT_CHECKLIST", "ChecklistAnswer", "answer_checklist",
           "load_checklist"]

DEFAULT_CHECKLIST = Path(__file__).with_name("checklist.yaml")
CONDITIONS = frozenset({"always", "version-change", "license-change", "new-file-add",
                        "patch-add", "patch-remove", "new-package", "removal"})


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    when: str
    question: str
    answered_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChecklistAnswer:
    """``answer`` is ``yes``, ``no`` or ``human``; ``because`` the results it rests on."""

    id: str
    question: str
    answer: str
    because: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "answer": self.answer,
                "because": list(self.because)}


def load_checklist(text: str, origin: str) -> list[ChecklistItem]:
    """Parse a checklist; a malformed one is a :class:`ValueError` naming origin and item."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ValueError(f"{origin}: expected 'items:', a list of checklist items")
    items = []
    for n, raw in enumerate(data["items"], 1):
        if not isinstance(raw, dict):
            raise ValueError(f"{origin}: item {n} is not a mapping")
        when = raw.get("when", "always")
        if when not in CONDITIONS:
            raise ValueError(f"{origin}: item {n} has unknown condition {when!r} "
                             f"(known: {', '.join(sorted(CONDITIONS))})")
        answered = raw.get("answered_by") or []
        if not isinstance(answered, list) or not all(isinstance(a, str) for a in answered):
            raise ValueError(f"{origin}: item {n}: answered_by must be a list of rule ids")
        items.append(ChecklistItem(str(raw.get("id", f"item-{n}")), when,
                                   str(raw.get("question", "")), tuple(answered)))
    return items


def _items(ctx: ReviewContext) -> list[ChecklistItem]:
    own = ctx.after.folder / "review-checklist.yaml" if ctx.after else None
    if own is not None and own.is_file():
        try:
            data = read_tree_file(own, root=own.parent, limit=MAX_METADATA_BYTES)
            return load_checklist(data.decode("utf-8", errors="replace"), own.name)
        except (UnsafeFile, OSError, ValueError, yaml.YAMLError):
            pass  # a broken list of the repository's own falls back to Steward's
    return load_checklist(DEFAULT_CHECKLIST.read_text(), DEFAULT_CHECKLIST.name)


def _holds(ctx: ReviewContext, when: str) -> bool:
    before, after = ctx.before, ctx.after
    if when == "always":
        return True
    if when == "new-package":
        return before is None
    if when == "removal":
        return after is None
    if before is None or after is None:
        return False
    if when == "version-change":
        return ctx.version_changed
    if when == "license-change":
        return (before.spec.license or "") != (after.spec.license or "")
    if when == "new-file-add":
        return bool(after.files - before.files)
    if when == "patch-add":
        return bool(added_patches(ctx))
    return bool(dropped_patches(ctx))  # patch-remove


def answer_checklist(ctx: ReviewContext, results: Sequence[CheckResult]) -> list[ChecklistAnswer]:
    out = []
    for item in _items(ctx):
        if not _holds(ctx, item.when):
            continue
        relevant = [r for r in results if r.id in item.answered_by
                    and r.state is not State.NOT_APPLICABLE]
        because = tuple(f"{r.id}: {r.state.value}" + (" (waived)" if r.waived else "")
                        for r in relevant)
        if any(r.failed for r in relevant):
            answer = "no"
        elif relevant and all(r.state is State.PASS or r.waived for r in relevant):
            answer = "yes"
        else:
            answer = "human"
        out.append(ChecklistAnswer(item.id, item.question, answer, because))
    return out
