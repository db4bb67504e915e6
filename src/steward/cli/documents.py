"""The JSON documents ``steward … --json`` prints, as pydantic models: the contract for scripts.

Every document has ``schema`` (its name and version, ``steward.<command>/<n>``; the number
changes only when a field is removed or changes meaning) and ``summary`` (the counts a
script checks first). The same thing has the same name in every document:

- a package is ``package`` (its name in the tree) and its packaged version ``current``;
- an upstream is ``{"kind", "project", "host", "origin"}``, ``kind`` being the backend
  that asks it (``gitlab`` for a GNOME GitLab project, with ``host`` ``gitlab.gnome.org``);
  what a metadata file literally says stays in ``metadata_kind``;
- a ``SourceN:``/``PatchN:`` entry is a :class:`FileEntry` (``declared_raw``, ``expanded``,
  ``filename``, ``present`` …) whether it comes from ``inventory`` or ``spec``;
- a failure is ``{"code", "message"}`` under ``error``; a finding is a :class:`Problem`.

``python scripts/gen-docs.py`` writes their JSON Schemas to ``docs/schemas/`` (a test checks
that the committed files are current, and validates every command's output against them).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DOCUMENTS", "Document"]

Severity = Literal["error", "warning", "info"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class Document(_Model):
    """The fields every output document has."""

    schema_: str = Field(alias="schema", description="The document's name and version.")


class Problem(_Model):
    """Something wrong that a maintainer should look at (``code`` is stable)."""

    code: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None


class ErrorInfo(_Model):
    """Why something failed: a stable ``code`` and a message for people."""

    code: str
    message: str


class UpstreamRef(_Model):
    """Where a package's releases come from."""

    kind: str = Field(description="The backend: github, gitlab, pypi, git, html …")
    project: str | None = None
    host: str | None = Field(None, description="The forge's host when it is not the default.")
    origin: str | None = Field(None, description="config, metadata or inferred.")
    metadata_kind: str | None = Field(
        None, description="The kind as the package's metadata file spells it (gitlab.gnome)."
    )


class FileEntry(_Model):
    """One ``SourceN:`` or ``PatchN:`` line of a spec."""

    number: int
    filename: str
    declared_raw: str = Field(description="The value as written in the spec.")
    expanded: str | None = Field(None, description="With macros expanded.")
    present: bool = Field(description="The file is in the package folder.")
    remote: bool = Field(description="The value is a URL.")
    checksum: str | None = None
    applied: bool | None = Field(None, description="Patches: some %prep line applies it.")
    line: int | None = Field(None, description="Line in the spec, where known.")


# -- inventory ------------------------------------------------------------------------------


class InventoryPackage(_Model):
    package: str
    folder: str
    spec_path: str | None
    spec_name: str | None
    evr: str
    epoch: int | None
    current: str | None = Field(description="The packaged version.")
    release: str | None
    spec_summary: str | None = Field(description="The spec's Summary: line.")
    license: str | None
    url: str | None
    subpackages: list[str]
    build_requires: list[str]
    sources: list[FileEntry]
    patches: list[FileEntry]
    upstream: UpstreamRef | None
    metadata_path: str | None
    problems: list[Problem]


class InventorySummary(_Model):
    packages: int
    with_problems: int = Field(description="Packages with an error or a warning.")
    problems_by_code: dict[str, int]
    seconds: float


class InventoryDocument(Document):
    schema_: Literal["steward.inventory/2"] = Field("steward.inventory/2", alias="schema")
    root: str
    layout: str
    profile: str
    packages: list[InventoryPackage]
    summary: InventorySummary


# -- spec -------------------------------------------------------------------------------------


class SpecSummary(_Model):
    errors: int
    warnings: int
    sources: int
    patches: int
    patches_not_applied: int


class SpecDocument(Document):
    schema_: Literal["steward.spec/2"] = Field("steward.spec/2", alias="schema")
    path: str
    package: str
    epoch: int | None
    current: str | None = Field(description="The spec's Version:.")
    release: str | None
    evr: str
    spec_summary: str | None = Field(description="The spec's Summary: line.")
    license: str | None
    url: str | None
    subpackages: list[str]
    sources: list[FileEntry]
    patches: list[FileEntry]
    build_requires: list[str]
    changelog_entries: int
    diagnostics: list[Problem]
    summary: SpecSummary


# -- check and outdated -------------------------------------------------------------------


class CheckedPackage(_Model):
    package: str
    current: str | None
    upstream: UpstreamRef | None
    status: str | None
    newest: str | None
    newest_stable: str | None
    recommended: str | None
    versions_behind: int | None
    days_behind: int | None
    releases: int
    error: ErrorInfo | None
    notes: list[str]
    findings: list[str] = Field(description="What the answer reports beside itself.")


class CheckSummary(_Model):
    packages: int = Field(description="Packages checked by this run.")
    skipped: int = Field(description="Already stored by the interrupted run this one resumed.")
    outdated: int
    failed: int
    new_releases: int
    findings: dict[str, int] = Field(description="Packages per finding (stale-tag-rules …).")
    seconds: float


class CheckDocument(Document):
    schema_: Literal["steward.check/2"] = Field("steward.check/2", alias="schema")
    run: int
    resumed: bool
    packages: list[CheckedPackage]
    summary: CheckSummary


class OutdatedPackage(_Model):
    package: str
    current: str | None
    newest: str | None
    newest_stable: str | None
    recommended: str | None
    status: str | None
    versions_behind: int | None
    days_behind: int | None
    upstream: UpstreamRef | None
    current_exists_upstream: bool | None
    checked_at: str
    last_success_at: str | None
    error: ErrorInfo | None
    findings: list[str] = Field(description="stale-tag-rules, version-scheme-changed …")


class OutdatedSummary(_Model):
    checked: int = Field(description="Packages of the tree with a stored check.")
    shown: int
    outdated: int
    failed: int


class OutdatedDocument(Document):
    schema_: Literal["steward.outdated/2"] = Field("steward.outdated/2", alias="schema")
    tree: str
    packages: list[OutdatedPackage]
    summary: OutdatedSummary


# -- upgrade ---------------------------------------------------------------------------------


class PlannedSource(_Model):
    number: int
    current: str
    new: str


class PlannedPatch(_Model):
    number: int
    filename: str
    applied: bool


class UpgradePlanDoc(_Model):
    package: str
    current: str
    target: str
    branch: str
    sources: list[PlannedSource]
    patches: list[PlannedPatch]
    spec_notes: list[str]
    build: str
    problems: list[str]
    error: ErrorInfo | None = Field(None, description="Why this upgrade would be refused.")


class UpgradeOutcomeDoc(_Model):
    package: str
    skipped: str | None
    status: str | None = Field(description="ready, needs-human or failed.")
    report: dict[str, Any] | None = Field(description="See docs/upgrade-report.md.")
    report_path: str | None


class UpgradeSummary(_Model):
    packages: int
    ready: int
    needs_human: int
    failed: int
    skipped: int
    refused: int = Field(description="Plans refused (a downgrade, no matching source).")


class UpgradeDocument(Document):
    schema_: Literal["steward.upgrade/1"] = Field("steward.upgrade/1", alias="schema")
    dry_run: bool
    plans: list[UpgradePlanDoc]
    outcomes: list[UpgradeOutcomeDoc]
    summary: UpgradeSummary


# -- vercmp, take, new ------------------------------------------------------------------------


class VercmpSummary(_Model):
    result: Literal[-1, 0, 1] = Field(description="1 left is newer, -1 right is newer.")


class VercmpDocument(Document):
    schema_: Literal["steward.vercmp/1"] = Field("steward.vercmp/1", alias="schema")
    left: str
    right: str
    relation: Literal["<", "==", ">"]
    summary: VercmpSummary


class TakenVersion(_Model):
    package: str
    version: str
    reason: Literal["packaged", "ignored"]
    previous: str | None = Field(description="The version taken before, if any.")
    taken_at: str


class TakeSummary(_Model):
    taken: int


class TakeDocument(Document):
    schema_: Literal["steward.take/1"] = Field("steward.take/1", alias="schema")
    tree: str
    packages: list[TakenVersion]
    summary: TakeSummary


class NewRelease(_Model):
    package: str
    current: str | None = Field(description="The packaged version.")
    taken: str | None = Field(description="The version last taken ('steward take').")
    newest: str | None = Field(description="The newest upstream release stored.")
    recommended: str | None
    upstream: UpstreamRef | None
    error: ErrorInfo | None


class NewSummary(_Model):
    checked: int
    new: int
    failed: int


class NewDocument(Document):
    schema_: Literal["steward.new/1"] = Field("steward.new/1", alias="schema")
    tree: str
    packages: list[NewRelease]
    summary: NewSummary


# -- doctor -----------------------------------------------------------------------------------


class ToolCheck(_Model):
    name: str
    path: str | None
    version: str | None
    needed_for: str


class TokenCheck(_Model):
    host: str
    source: str = Field(description="Where the token comes from (a variable or the key file).")


class HostCheck(_Model):
    host: str
    url: str
    reachable: bool
    detail: str


class DoctorSummary(_Model):
    problems: int
    tools_missing: int
    hosts_unreachable: int


class DoctorDocument(Document):
    schema_: Literal["steward.doctor/1"] = Field("steward.doctor/1", alias="schema")
    version: str
    config_files: list[str] = Field(description="Configuration files read, in order.")
    store: str = Field(description="The store's URL, password hidden.")
    problems: list[Problem]
    tools: list[ToolCheck]
    tokens: list[TokenCheck]
    hosts: list[HostCheck]
    summary: DoctorSummary


# -- imports ------------------------------------------------------------------------------


class ImportedPackage(_Model):
    package: str
    table: dict[str, Any] = Field(description="The package's Steward configuration table.")
    unsupported: list[str] = Field(description="Keys Steward does not read.")


class ImportSummary(_Model):
    packages: int
    with_unsupported_keys: int


class ImportDocument(Document):
    schema_: Literal["steward.import/1"] = Field("steward.import/1", alias="schema")
    source: str
    format: Literal["nvchecker", "anitya"]
    packages: list[ImportedPackage]
    ignored: list[str] = Field(description="Settings of the file Steward does not use.")
    summary: ImportSummary


#: Every document, by the file name of its schema in docs/schemas/.
DOCUMENTS: dict[str, type[Document]] = {
    "inventory": InventoryDocument,
    "spec": SpecDocument,
    "check": CheckDocument,
    "outdated": OutdatedDocument,
    "upgrade": UpgradeDocument,
    "vercmp": VercmpDocument,
    "take": TakeDocument,
    "new": NewDocument,
    "doctor": DoctorDocument,
    "import": ImportDocument,
}
