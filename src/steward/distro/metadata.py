"""openEuler upstream metadata (``<name>.yaml``): where a package's upstream lives and how
its tags become versions.

The files are hand-written and messy (misspelled keys, ``NA`` placeholders, kinds spelled
three ways), so reading one never raises: :func:`parse_upstream_info` always returns an
:class:`UpstreamInfo` and lists what was wrong in ``problems``.

>>> info = parse_upstream_info("version_control: github\\nsrc_repo: curl/curl\\n"
...                            "tag_prefix: ^curl-\\nseparator: _\\n", source="curl.yaml")
>>> info.kind, info.src_repo, info.tag_prefix, info.separator, info.problems
(<UpstreamKind.GITHUB: 'github'>, 'curl/curl', '^curl-', '_', ())
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from steward.distro.files import MAX_METADATA_BYTES, UnsafeFile, read_tree_file

__all__ = [
    "METADATA_SEVERITIES",
    "DatedTag",
    "MetadataProblem",
    "UpstreamInfo",
    "UpstreamKind",
    "load_upstream_info",
    "parse_upstream_info",
]


class UpstreamKind(StrEnum):
    """The normalized kind of upstream: which backend can ask it for releases.

    ``NONE`` means the file says there is no upstream to watch (``NA``); ``UNKNOWN`` means
    Steward could not tell (the key is missing or its value is unrecognizable).
    """

    GITHUB = "github"
    GITLAB = "gitlab"
    GITLAB_GNOME = "gitlab.gnome"
    GITEE = "gitee"
    GIT = "git"
    SVN = "svn"
    HG = "hg"
    CVS = "cvs"
    FOSSIL = "fossil"
    METACPAN = "metacpan"
    PYPI = "pypi"
    RUBYGEM = "rubygem"
    NPM = "npm"
    CRATES = "crates"
    HACKAGE = "hackage"
    SOURCEFORGE = "sourceforge"
    FTP = "ftp"
    GNU_FTP = "gnu-ftp"
    NONE = "none"
    UNKNOWN = "unknown"


# Spellings that mean a kind without being wrong: hg-raw is hgweb's raw tag listing,
# still Mercurial. No problem is recorded for these.
_KIND_SYNONYMS: dict[str, UpstreamKind] = {
    "hg-raw": UpstreamKind.HG,
    "mercurial": UpstreamKind.HG,
    "gnome": UpstreamKind.GITLAB_GNOME,
    "rubygems": UpstreamKind.RUBYGEM,
    "gem": UpstreamKind.RUBYGEM,
    "cpan": UpstreamKind.METACPAN,
    "crates.io": UpstreamKind.CRATES,
    "na": UpstreamKind.NONE,
}

# Spellings that are probably a mistake but whose meaning is clear enough to load; a
# ``kind-alias`` problem asks the maintainer to confirm.
_KIND_GUESSES: dict[str, UpstreamKind] = {
    # GNOME projects live on gitlab.gnome.org; github.com/GNOME is only a mirror.
    "github.gnome": UpstreamKind.GITLAB_GNOME,
}

# Keys openEuler-Advisor reads. ``download``/``download_url`` both name a download page.
_KNOWN_KEYS = frozenset(
    {
        "version_control",
        "src_repo",
        "tag_prefix",
        "separator",
        "git_url",
        "git_tag",
        "tag_pattern",
        "query_type",
        "url",
        "mirror",
        "download",
        "download_url",
        "tag_reorder",
        "tag_neworder",
        "svn_url",
    }
)

# Keys openEuler-Advisor writes for itself and Steward has no use for: never a problem.
# (``last_query`` is its cache of the last answer, with the raw response.)
_TOOL_KEYS = frozenset({"last_query"})

# Other spellings that openEuler's own tools read as the key (openEuler-Advisor's
# check_upstream.clean_tags reads ``seperator`` "for compatibility until all yaml files are
# fixed"): accepted, with an info note only.
_DISTRO_SPELLINGS: dict[str, str] = {"seperator": "separator"}

# Misspellings seen in the real openEuler data whose intent difflib alone gets wrong
# (``tag_repo`` is closest to ``tag_reorder`` but holds a prefix regex). openEuler's tools do
# not read these (yaml2url reads exactly ``version_control``), so each is worth fixing.
_KNOWN_MISSPELLINGS: dict[str, str] = {
    "version-control": "version_control",
    "version-ctrl": "version_control",
    "n_control": "version_control",
    "sepreator": "separator",
    "tag_prefixi": "tag_prefix",
    "tag_repo": "tag_prefix",
    "downlad": "download",
}

# Fields whose value is a regular expression; each is compiled once to report mistakes.
_REGEX_FIELDS = ("tag_prefix", "separator", "tag_pattern", "tag_reorder")

#: The most values (scalars, lists, mappings) a file may expand to once aliases are followed;
#: real files hold a few dozen. A ``billion laughs'' document of 400 bytes expands to 10⁹.
MAX_METADATA_VALUES = 100_000
#: The deepest nesting of lists and mappings accepted (real files: 3). Deeper values would
#: make recursive code (JSON output, comparisons) fail.
MAX_METADATA_DEPTH = 32

_DATED_TAG = re.compile(r"(\d{4})-(\d{2})-(\d{2})\s+(\S.*?)\s*")


#: Every metadata problem code and its severity: ``error`` (the file cannot be used as
#: written), ``warning`` (the maintainer should fix it: openEuler's own tools would misread
#: it) or ``info`` (worth knowing, nothing to fix). Warnings and errors decide the exit
#: status of ``steward inventory`` and what ``--problems-only`` lists.
METADATA_SEVERITIES: Mapping[str, str] = {
    "yaml-error": "error",
    "not-a-mapping": "error",
    "unreadable": "error",
    "invalid-regex": "error",
    "misspelled-key": "warning",
    "missing-version-control": "warning",
    "kind-alias": "warning",
    "unknown-kind": "warning",
    "empty-src-repo": "warning",
    "wrong-type": "warning",
    "distro-spelling": "info",
    "unknown-key": "info",
    "kind-na": "info",
}


@dataclass(frozen=True, slots=True)
class MetadataProblem:
    """Something wrong with a metadata file.

    ``code`` is stable, one of :data:`METADATA_SEVERITIES`, which gives its ``severity``
    (``error``, ``warning`` or ``info``); ``line`` is 1-based when known.
    """

    code: str
    message: str
    severity: str = "warning"
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class DatedTag:
    """One entry of a ``git_tag`` list: ``2019-12-04 TCSH6_22_02``.

    ``date`` is ``None`` for the few entries written without one.
    """

    date: _dt.date | None
    tag: str

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat() if self.date else None, "tag": self.tag}


@dataclass(frozen=True, slots=True)
class UpstreamInfo:
    """What a metadata file says about a package's upstream.

    String fields are ``None`` when absent, empty or the ``NA`` placeholder. ``tag_prefix``
    is kept as written: openEuler matches it as a regular expression at the start of a tag
    and drops tags that do not match. ``separator`` is a regular expression whose matches
    are replaced by ``.`` to turn a tag into a version. ``extra`` holds keys Steward does
    not know, as parsed.
    """

    source: str
    kind: UpstreamKind
    raw_kind: str | None = None
    src_repo: str | None = None
    tag_prefix: str | None = None
    separator: str | None = None
    tag_pattern: str | None = None
    tag_reorder: str | None = None
    tag_neworder: str | None = None
    query_type: str | None = None
    git_url: str | None = None
    svn_url: str | None = None
    url: str | None = None
    download: str | None = None
    mirror: bool | None = None
    git_tag: tuple[DatedTag, ...] = ()
    extra: tuple[tuple[str, Any], ...] = ()
    problems: tuple[MetadataProblem, ...] = ()

    @property
    def watchable(self) -> bool:
        """True when there is an upstream a backend could ask for releases."""
        return self.kind not in (UpstreamKind.NONE, UpstreamKind.UNKNOWN) and bool(self.src_repo)

    def problem_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with stable keys (the field names)."""
        return {
            "source": self.source,
            "kind": self.kind.value,
            "raw_kind": self.raw_kind,
            "src_repo": self.src_repo,
            "tag_prefix": self.tag_prefix,
            "separator": self.separator,
            "tag_pattern": self.tag_pattern,
            "tag_reorder": self.tag_reorder,
            "tag_neworder": self.tag_neworder,
            "query_type": self.query_type,
            "git_url": self.git_url,
            "svn_url": self.svn_url,
            "url": self.url,
            "download": self.download,
            "mirror": self.mirror,
            "git_tag": [t.to_dict() for t in self.git_tag],
            "extra": {k: _jsonable(v) for k, v in self.extra},
            "problems": [p.to_dict() for p in self.problems],
        }


def load_upstream_info(path: Path | str) -> UpstreamInfo:
    """Read and parse a metadata file; an unreadable file gives a record with a problem."""
    path = Path(path)
    try:
        data = read_tree_file(path, root=None, limit=MAX_METADATA_BYTES)
    except UnsafeFile as exc:
        return _broken(str(path), "unreadable", f"{path}: {exc}")
    return parse_upstream_info(data, source=str(path))


def parse_upstream_info(text: str | bytes, *, source: str) -> UpstreamInfo:
    """Parse the text of a metadata file. Never raises on bad content.

    ``source`` names the file in messages (usually its path). A text longer than
    :data:`~steward.distro.files.MAX_METADATA_BYTES`, or one whose aliases expand to more
    than :data:`MAX_METADATA_VALUES` values, is refused before any value is looked at.
    """
    if len(text) > MAX_METADATA_BYTES:
        return _broken(
            source, "unreadable", f"larger than {MAX_METADATA_BYTES // (1024 * 1024)} MiB; not read"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _broken(source, "yaml-error", f"not UTF-8 text: {exc}")
    import yaml  # here: a tree read from the parsed-tree cache never needs it

    # The C loader is about ten times faster than the pure-Python one; a tree of 10,000
    # packages reads 10,000 of these files.
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "invalid YAML"
        return _broken(source, "yaml-error", f"invalid YAML: {reason}", line=line)
    except yaml.YAMLError as exc:
        return _broken(source, "yaml-error", f"invalid YAML: {exc}")
    # Aliases make shared (even self-containing) values: cheap to load, but formatting or
    # walking one expands it. Measured here, without expanding anything.
    refusal = _expansion_refusal(document)
    if refusal is not None:
        return _broken(source, "yaml-error", refusal)
    if document is None:
        return _broken(source, "not-a-mapping", "the file is empty")
    if not isinstance(document, Mapping):
        kind = type(document).__name__
        return _broken(source, "not-a-mapping", f"expected a mapping of keys, got a {kind}")
    return _Reader(source).read(document)


def _expansion_refusal(document: Any) -> str | None:
    """Why ``document`` is refused (it contains itself, nests deeper than
    :data:`MAX_METADATA_DEPTH` or expands to more than :data:`MAX_METADATA_VALUES` values),
    or ``None``. Each distinct list or mapping is measured once, so the cost is that of the
    file, not of its expansion."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Post-order walk without recursion: (value, children visited?, depth).
    stack: list[tuple[Any, bool, int]] = [(document, False, 0)]
    while stack:
        value, done, depth = stack.pop()
        if not isinstance(value, list | dict):
            continue
        key = id(value)
        children = list(value.keys()) + list(value.values()) if isinstance(value, dict) else value
        if done:
            on_path.discard(key)
            total = 1
            for child in children:
                total += sizes.get(id(child), 1) if isinstance(child, list | dict) else 1
                if total > MAX_METADATA_VALUES:
                    return (
                        f"refused: aliases expand to more than {MAX_METADATA_VALUES:,} values"
                        " (an alias bomb?)"
                    )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            return "refused: a value contains itself through an alias"
        if depth > MAX_METADATA_DEPTH:
            return f"refused: values nested more than {MAX_METADATA_DEPTH} deep"
        on_path.add(key)
        stack.append((value, True, depth))
        stack.extend(
            (child, False, depth + 1) for child in children if isinstance(child, list | dict)
        )
    return None


def _broken(source: str, code: str, message: str, *, line: int | None = None) -> UpstreamInfo:
    return UpstreamInfo(
        source=source,
        kind=UpstreamKind.UNKNOWN,
        problems=(MetadataProblem(code, message, METADATA_SEVERITIES[code], line),),
    )


class _Reader:
    """Turns one parsed mapping into an :class:`UpstreamInfo`, collecting problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[MetadataProblem] = []

    def problem(self, code: str, message: str) -> None:
        self.problems.append(MetadataProblem(code, message, METADATA_SEVERITIES[code]))

    def read(self, document: Mapping[Any, Any]) -> UpstreamInfo:
        values, extra = self._canonical_keys(document)
        kind, raw_kind = self._kind(values)
        fields = {
            name: self._string(values, name)
            for name in (
                "src_repo",
                "tag_prefix",
                "separator",
                "tag_pattern",
                "tag_reorder",
                "tag_neworder",
                "query_type",
                "git_url",
                "svn_url",
                "url",
            )
        }
        download = self._string(values, "download_url") or self._string(values, "download")
        for name in _REGEX_FIELDS:
            self._check_regex(name, fields[name])
        if not fields["src_repo"] and kind not in (UpstreamKind.NONE, UpstreamKind.UNKNOWN):
            self.problem("empty-src-repo", f"version_control is {raw_kind!r} but src_repo is empty")
        return UpstreamInfo(
            source=self.source,
            kind=kind,
            raw_kind=raw_kind,
            download=download,
            mirror=self._bool(values, "mirror"),
            git_tag=self._git_tag(values.get("git_tag")),
            extra=tuple(extra),
            problems=tuple(self.problems),
            **fields,
        )

    def _canonical_keys(
        self, document: Mapping[Any, Any]
    ) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        """Map misspelled keys to the key they meant; unknown keys go to ``extra``."""
        values: dict[str, Any] = {}
        extra: list[tuple[str, Any]] = []
        misspelled: list[tuple[str, str, Any]] = []
        for raw_key, value in document.items():
            key = str(raw_key)
            if key in _KNOWN_KEYS:
                values[key] = value
                continue
            if key in _TOOL_KEYS:
                continue
            meant = _DISTRO_SPELLINGS.get(key) or _KNOWN_MISSPELLINGS.get(key) or _close_key(key)
            if meant is None:
                self.problem("unknown-key", f"unknown key {key!r} (kept in extra)")
                extra.append((key, value))
            else:
                misspelled.append((key, meant, value))
        # Applied after the loop so a correctly spelled key always wins over a misspelling.
        for key, meant, value in misspelled:
            if key in _DISTRO_SPELLINGS and values.get(meant, value) == value:
                self.problem(
                    "distro-spelling",
                    f"key {key!r} is openEuler's older spelling of {meant!r}; read as it",
                )
                values[meant] = value
            elif meant in values:
                self.problem(
                    "misspelled-key",
                    f"key {key!r} looks like a misspelling of {meant!r}, which is also set;"
                    " ignored",
                )
                extra.append((key, value))
            else:
                self.problem(
                    "misspelled-key",
                    f"key {key!r} looks like a misspelling of {meant!r}; read as it"
                    " (openEuler's own tools do not read this spelling)",
                )
                values[meant] = value
        return values, extra

    def _kind(self, values: Mapping[str, Any]) -> tuple[UpstreamKind, str | None]:
        if "version_control" not in values or values["version_control"] is None:
            self.problem(
                "missing-version-control", "no version_control key: the upstream kind is unknown"
            )
            return UpstreamKind.UNKNOWN, None
        raw = str(values["version_control"])
        key = raw.strip().lower()
        if not key:
            self.problem("missing-version-control", "version_control is empty")
            return UpstreamKind.UNKNOWN, raw
        kind: UpstreamKind | None
        try:
            kind = UpstreamKind(key)
        except ValueError:
            kind = _KIND_SYNONYMS.get(key)
        if kind is UpstreamKind.NONE:
            self.problem("kind-na", f"version_control is {raw!r}: no upstream to watch")
            return kind, raw
        if kind is not None and kind is not UpstreamKind.UNKNOWN:
            return kind, raw
        if key in _KIND_GUESSES:
            guess = _KIND_GUESSES[key]
            self.problem(
                "kind-alias", f"version_control {raw!r} is not standard; read as {guess.value!r}"
            )
            return guess, raw
        spellings = [k.value for k in UpstreamKind if k is not UpstreamKind.UNKNOWN]
        close = difflib.get_close_matches(key, spellings, n=1, cutoff=0.75)
        if close:
            self.problem(
                "unknown-kind",
                f"unknown version_control {raw!r}; did you mean {close[0]!r}? read as it",
            )
            return UpstreamKind(close[0]), raw
        self.problem("unknown-kind", f"unknown version_control {raw!r}")
        return UpstreamKind.UNKNOWN, raw

    def _string(self, values: Mapping[str, Any], name: str) -> str | None:
        value = values.get(name)
        if value is None:
            return None
        if isinstance(value, bool | list | dict):
            self.problem("wrong-type", f"{name} should be a string, got {_describe(value)}")
            return None
        text = value.isoformat() if isinstance(value, _dt.date) else str(value)
        # ``NA`` is openEuler's placeholder for "does not apply"; as a regex it would
        # match a literal "NA" prefix, which is never what the author meant.
        if not text.strip() or text.strip() == "NA":
            return None
        return text

    def _bool(self, values: Mapping[str, Any], name: str) -> bool | None:
        value = values.get(name)
        if value is None or isinstance(value, bool):
            return value
        self.problem("wrong-type", f"{name} should be true or false, got {_describe(value)}")
        return None

    def _check_regex(self, name: str, pattern: str | None) -> None:
        if pattern is None:
            return
        try:
            re.compile(pattern)
        except re.error as exc:
            message = f"{name} {pattern!r} is not a valid regular expression: {exc}"
            self.problem("invalid-regex", message)

    def _git_tag(self, value: Any) -> tuple[DatedTag, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            # A list written without dashes folds into one string of names.
            self.problem("wrong-type", "git_tag should be a list, got a string; split on spaces")
            return tuple(DatedTag(None, tag) for tag in value.split())
        if not isinstance(value, list):
            self.problem("wrong-type", f"git_tag should be a list, got {_describe(value)}")
            return ()
        return tuple(_dated_tag(entry) for entry in value if entry is not None)


def _dated_tag(entry: Any) -> DatedTag:
    text = str(entry).strip()
    match = _DATED_TAG.fullmatch(text)
    if match is None:
        return DatedTag(None, text)
    year, month, day, tag = match.groups()
    try:
        return DatedTag(_dt.date(int(year), int(month), int(day)), tag)
    except ValueError:
        return DatedTag(None, text)


def _close_key(key: str) -> str | None:
    close = difflib.get_close_matches(key.replace("-", "_"), _KNOWN_KEYS, n=1, cutoff=0.8)
    return close[0] if close else None


def _describe(value: Any) -> str:
    return f"a {type(value).__name__} ({_SHORT.repr(value)})"


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 40


def _jsonable(value: Any) -> Any:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
