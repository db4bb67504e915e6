"""From upstream tags to versions, and what kind of release each version is.

An upstream publishes tags (``cares-1_18_1``, ``v2.0.0-rc.1``, ``gopls/v0.14.2``); a package
needs versions (``1.18.1``). :func:`read_tag` turns one into the other under a package's
:class:`TagRules` (openEuler's upstream-metadata keys and nvchecker's), then applies the
clean-ups every upstream needs. :func:`classify_version` says whether a version is a stable
release, a pre-release, a development series or a snapshot; :func:`version_scheme` says
whether it is semantic, calendar or date-numbered, so that ``20150213.1`` never outranks
``1.2.3`` merely because 20150213 > 1. Order is rpm's (:func:`compare_versions`).

Pure functions over strings: no network, no files.

>>> rules = TagRules(tag_prefix="cares-", separator="_")
>>> tag_to_version("cares-1_18_1", rules)
'1.18.1'
>>> tag_to_version("curl-7_20_0", rules) is None      # another project's tag in the repo
True
>>> tag_to_version("gopls/v0.14.2", TagRules(package_name="gopls"))
'0.14.2'
>>> classify_version("1.4.0-beta.2").release_class
<ReleaseClass.PRERELEASE: 'prerelease'>
>>> compare_versions("1.0-rc1", "1.0")                 # a pre-release sorts before its release
-1
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Final, Literal, NamedTuple

from steward.rpm.version import rpmvercmp, version_key

__all__ = [
    "Classification",
    "InvalidTagRules",
    "Release",
    "ReleaseClass",
    "SchemeGroup",
    "TagReading",
    "TagRules",
    "VersionScheme",
    "classify_release",
    "classify_version",
    "comparable_group",
    "compare_versions",
    "is_placeholder",
    "numeric_parts",
    "read_tag",
    "releases_from_tags",
    "rpm_version",
    "tag_to_version",
    "version_problem",
    "version_scheme",
]


#: Entries kept by each of the caches below. The same versions are read many times while
#: one package is recommended, and again across packages ("1.0", "2.3.1"); sized, like
#: steward.rpm.version's, for a whole distribution's distinct versions, so that a scan
#: computes each one once. The functions are pure: the caches only trade memory for time.
_CACHE: Final = 1 << 16


class InvalidTagRules(ValueError):
    """Tag rules that cannot be applied; the message names the key and its value.

    >>> TagRules(tag_prefix="v(")
    Traceback (most recent call last):
      ...
    steward.upstream.versions.InvalidTagRules: tag_prefix 'v(': missing ), unterminated \
subpattern at position 1
    """


@functools.lru_cache(maxsize=4096)
def _compile(key: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise InvalidTagRules(f"{key} {pattern!r}: {error}") from None


def _optional(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidTagRules(f"{key} {value!r}: not a string")
    text = str(value)
    # openEuler writes NA for "not applicable"; an empty value means the same.
    return None if text in ("", "NA") else text


@dataclass(frozen=True, slots=True)
class TagRules:
    """How one package's upstream tags become versions.

    openEuler keys (regular expressions): ``tag_pattern`` is matched at the start of a tag
    and its first group is the version (a pattern without groups is stripped like a prefix);
    otherwise ``tag_reorder`` is matched at the start and replaced by ``tag_neworder`` (which
    may use ``\\1``-style groups: acpica's ``R07_17_20`` becomes ``20200717``); otherwise
    ``tag_prefix`` is matched at the start and stripped. In each case a tag that does not
    match is dropped. Unlike openEuler-Advisor, which ran ``re.sub`` over the whole tag, only
    the match at the start is replaced, so ``tag_prefix: v`` leaves ``1.0-dev`` intact.
    ``separator`` is replaced by ``.`` everywhere; ``.`` itself means "no separator".

    nvchecker keys: ``include_regex``/``exclude_regex`` must (not) match the whole tag;
    ``prefix`` is a literal prefix, stripped, and tags without it are dropped;
    ``from_pattern`` is replaced by ``to_pattern`` (``re.sub``); ``ignored`` versions or tags
    are dropped.

    ``package_name`` lets the common clean-ups strip ``<name>-``, ``<name>_`` and monorepo
    paths such as ``gopls/``.

    >>> rules = TagRules.from_mapping({"tag_prefix": "^v", "separator": "NA", "ignored": "1.1"})
    >>> rules.tag_prefix, rules.separator, rules.ignored
    ('^v', None, frozenset({'1.1'}))
    """

    tag_prefix: str | None = None
    separator: str | None = None
    tag_pattern: str | None = None
    tag_reorder: str | None = None
    tag_neworder: str | None = None
    prefix: str | None = None
    include_regex: str | None = None
    exclude_regex: str | None = None
    from_pattern: str | None = None
    to_pattern: str | None = None
    package_name: str | None = None
    ignored: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for key in ("tag_prefix", "tag_pattern", "include_regex", "exclude_regex"):
            pattern = getattr(self, key)
            if pattern is not None:
                _compile(key, pattern)
        if self.separator is not None and _compile("separator", self.separator).match(""):
            raise InvalidTagRules(f"separator {self.separator!r}: matches the empty string")
        self._check_replacement("tag_reorder", self.tag_reorder, "tag_neworder", self.tag_neworder)
        self._check_replacement("from_pattern", self.from_pattern, "to_pattern", self.to_pattern)

    @staticmethod
    def _check_replacement(key: str, pattern: str | None, new_key: str, new: str | None) -> None:
        if pattern is None:
            return
        if new is None:
            raise InvalidTagRules(f"{key} {pattern!r}: {new_key} is missing")
        try:  # re.sub checks group references in the template even when nothing matches
            _compile(key, pattern).sub(new, "")
        except (re.error, IndexError) as error:
            raise InvalidTagRules(f"{new_key} {new!r}: {error}") from None

    def selects(self, tag: str) -> bool:
        """Whether the tag-selecting rule (``tag_pattern``, else ``tag_reorder``, else
        ``tag_prefix``) matches the start of ``tag``; true when there is none.

        >>> TagRules(tag_prefix="AT_SPI2_CORE_").selects("2.38.0")
        False
        """
        if self.tag_pattern:
            return _compile("tag_pattern", self.tag_pattern).match(tag) is not None
        if self.tag_reorder and self.tag_neworder is not None:
            return _compile("tag_reorder", self.tag_reorder).match(tag) is not None
        if self.tag_prefix:
            return _compile("tag_prefix", self.tag_prefix).match(tag) is not None
        return True

    def without_selection(self) -> TagRules | None:
        """These rules without the ones that select tags, ``None`` when none does.

        openEuler's ``tag_prefix``, ``tag_pattern`` and ``tag_reorder`` drop every tag they
        do not match; read without them, the other tags show whether the rules went stale
        (:func:`steward.upstream.recommend.recommend_from_tags`).

        >>> TagRules(tag_prefix="^v", separator="_").without_selection()
        TagRules(tag_prefix=None, separator='_', tag_pattern=None, tag_reorder=None, \
tag_neworder=None, prefix=None, include_regex=None, exclude_regex=None, from_pattern=None, \
to_pattern=None, package_name=None, ignored=frozenset())
        """
        if not (self.tag_prefix or self.tag_pattern or self.tag_reorder):
            return None
        return dataclasses.replace(
            self, tag_prefix=None, tag_pattern=None, tag_reorder=None, tag_neworder=None
        )

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, object], *, package_name: str | None = None
    ) -> TagRules:
        """Rules from an upstream-metadata mapping (openEuler YAML or an nvchecker entry).

        Unknown keys are ignored; ``NA`` and empty values count as absent; ``ignored`` is a
        space-separated string, as in nvchecker. Misspelled keys (``seperator``) are the
        loader's business, not this function's.
        """
        ignored = _optional(values, "ignored")
        return cls(
            tag_prefix=_optional(values, "tag_prefix"),
            separator=_optional(values, "separator"),
            tag_pattern=_optional(values, "tag_pattern"),
            tag_reorder=_optional(values, "tag_reorder"),
            tag_neworder=_optional(values, "tag_neworder"),
            prefix=_optional(values, "prefix"),
            include_regex=_optional(values, "include_regex"),
            exclude_regex=_optional(values, "exclude_regex"),
            from_pattern=_optional(values, "from_pattern"),
            to_pattern=_optional(values, "to_pattern"),
            package_name=package_name,
            ignored=frozenset(ignored.split()) if ignored else frozenset(),
        )


#: The rules of a package without any: built once, not on every call of read_tag.
_NO_RULES: Final = TagRules()


_TAG_RULES_FIELDS = tuple(f.name for f in fields(TagRules))


def _slot_setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    """Functions that set the named slots of ``cls``'s instances, for a fast ``__init__``.

    A frozen dataclass's own ``__init__`` sets each field with ``object.__setattr__``, which
    looks the slot up by name and then stores the value; the slot's descriptor stores it
    directly, in about half the time. The class's ``__setattr__`` still refuses changes.
    Classes using it write their ``__init__`` out, with the fields in order (tested).
    """
    return tuple(vars(cls)[name].__set__ for name in names)


@dataclass(frozen=True, slots=True)
class TagReading:
    """The outcome of :func:`read_tag`: a version, or why the tag is not one.

    >>> read_tag("nightly")
    TagReading(tag='nightly', version=None, rejected='does not start with a digit')
    """

    tag: str
    version: str | None
    rejected: str | None = None

    def __init__(self, tag: str, version: str | None, rejected: str | None = None) -> None:
        # Written out because read_tag builds one per tag: see _slot_setters.
        _set_reading_tag(self, tag)
        _set_reading_version(self, version)
        _set_reading_rejected(self, rejected)


_set_reading_tag, _set_reading_version, _set_reading_rejected = _slot_setters(
    TagReading, "tag", "version", "rejected"
)


# Leading words that say "release" rather than being part of the version.
_RELEASE_WORD: Final = re.compile(r"(?:release|rel|version|ver)[-_.]?(?=[vV]?\d)", re.IGNORECASE)
_V_PREFIX: Final = re.compile(r"[vV][._]?(?=\d)")
# Path components that only say "this is a tag": refs/tags/v1.0, upstream/1.0 (git-buildpackage).
_GENERIC_PATHS: Final = frozenset({"refs", "tags", "release", "releases", "upstream"})
_LANGUAGE_PREFIXES: Final = (
    "python3-", "python-", "perl-", "golang-", "rubygem-", "ruby-", "nodejs-", "rust-",
    "ghc-", "php-", "lua-", "ocaml-", "texlive-",
)  # fmt: skip
_SUFFIX: Final = re.compile(r"(?<=[0-9A-Za-z])[-_.](?:final|release|ga|stable)$", re.IGNORECASE)
# OpenSSH-style patch levels: 8_3_P1 and 1.2.3-p1 become 8.3p1 and 1.2.3p1 (stable releases).
_PATCH_LEVEL: Final = re.compile(r"(?<=\d)[-_.]?[pP](\d+)$")
_UNDERSCORED: Final = re.compile(r"\d+(?:_\d+)+")
# Digits and dots, the most common version, for which several functions below take a shortcut.
# [0-9], not \d, which takes any Unicode digit: a version may only hold ASCII ones.
_DOTTED: Final = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_DASHED: Final = re.compile(r"\d+(?:-\d+)+")


@functools.lru_cache(maxsize=4096)
def _name_variants(name: str) -> tuple[str, ...]:
    base = name.lower()
    names = {base}
    for prefix in _LANGUAGE_PREFIXES:
        if base.startswith(prefix) and len(base) > len(prefix):
            rest = base[len(prefix) :]
            names |= {rest, f"{rest}-{prefix.rstrip('-3')}"}  # hypothesis-python-5.22.0
    variants = set()
    for each in names:
        variants |= {each, each.replace("-", "_"), each.replace("_", "-")}
        variants.add(each.replace("-", "").replace("_", ""))  # c-ares tags cares-1_18_1
    return tuple(sorted(variants, key=len, reverse=True))


class _NameForms(NamedTuple):
    """The forms of a package's name that :func:`_strip_name` strips from a tag."""

    variants: tuple[str, ...]  # the longest first
    initials: frozenset[str]  # their first characters: other tags start with no variant
    digit_initial: bool  # whether one starts with a digit (2048, 389-ds-base)


@functools.lru_cache(maxsize=4096)
def _name_forms(name: str) -> _NameForms:
    variants = _name_variants(name)
    initials = frozenset(variant[0] for variant in variants if variant)
    return _NameForms(variants, initials, any(initial.isdigit() for initial in initials))


def _strip_name(text: str, forms: _NameForms) -> str:
    lowered = text.lower()
    if lowered[:1] not in forms.initials:  # no variant can be a prefix: skip the loop
        return text
    for variant in forms.variants:
        if variant and lowered.startswith(variant):
            rest = text[len(variant) :]
            if not rest:
                continue
            if rest[0] in "-_.":
                rest = rest[1:]
            if rest[:1].isdigit() or _V_PREFIX.match(rest):
                return rest
    return text


def _strip_path(text: str, name: str | None) -> tuple[str, str | None]:
    """``gopls/v0.14.2`` → ``v0.14.2`` when the path names the package, else a reason."""
    if "/" not in text:
        return text, None
    head, _, last = text.rpartition("/")
    parts = [part for part in head.split("/") if part.lower() not in _GENERIC_PATHS]
    if not parts:
        return last, None
    if len(parts) == 1 and name:
        component = parts[0].lower()
        if component in _name_variants(name) or name.lower().endswith(f"-{component}"):
            return last, None
    return text, f"path {head + '/'!r} does not name this package"


def _apply_rules(text: str, rules: TagRules) -> tuple[str, str | None]:
    if rules.include_regex and not _compile("include_regex", rules.include_regex).fullmatch(text):
        return text, "does not match include_regex"
    if rules.exclude_regex and _compile("exclude_regex", rules.exclude_regex).fullmatch(text):
        return text, "matches exclude_regex"
    if rules.tag_pattern:
        pattern = _compile("tag_pattern", rules.tag_pattern)
        match = pattern.match(text)
        if match is None:
            return text, "does not match tag_pattern"
        kept = (match.group(1) or "") if pattern.groups else ""
        text = kept + text[match.end() :]
    elif rules.tag_reorder and rules.tag_neworder is not None:
        match = _compile("tag_reorder", rules.tag_reorder).match(text)
        if match is None:
            return text, "does not match tag_reorder"
        text = match.expand(rules.tag_neworder) + text[match.end() :]
    elif rules.tag_prefix:
        match = _compile("tag_prefix", rules.tag_prefix).match(text)
        if match is None:
            return text, "does not start with tag_prefix"
        text = text[match.end() :]
    if rules.prefix:
        if not text.startswith(rules.prefix):
            return text, "does not start with prefix"
        text = text[len(rules.prefix) :]
    if rules.from_pattern and rules.to_pattern is not None:
        text = _compile("from_pattern", rules.from_pattern).sub(rules.to_pattern, text)
    return text, None


def _separate(text: str, separator: str | None) -> str:
    if separator is not None and separator != ".":
        return _compile("separator", separator).sub(".", text)
    if "." in text:
        return text
    # Without a separator rule, 1_2_3 and 1-2-3 are still dotted versions.
    if match := _UNDERSCORED.match(text):
        return match.group().replace("_", ".") + text[match.end() :]
    if _DASHED.fullmatch(text):
        return text.replace("-", ".")
    return text


def read_tag(tag: str, rules: TagRules | None = None) -> TagReading:
    """Read one tag as a version under ``rules``, or say why it is not one.

    First the package's rules (see :class:`TagRules`), then what every upstream needs:
    a monorepo path naming the package (``gopls/v0.14.2``) or a generic one
    (``refs/tags/``, ``upstream/``) is dropped, and any other path rejects the tag
    (``debian/1.2-1`` is packaging, ``psx/v0.2`` another module); then ``<name>-``,
    ``<name>_``, ``release-``, ``rel-``, ``ver-``, ``version-`` and ``v``/``V``; then the
    separator (without a rule, ``1_2_3`` and ``1-2-3`` become ``1.2.3``); then the suffixes
    ``-final``, ``.Final``, ``-release``, ``-GA``, ``-stable``; an OpenSSH-style patch level
    ``_p1`` becomes ``p1`` (a stable patch release, ordered after its base by rpm). Finally
    the result must pass :func:`version_problem`.

    >>> read_tag("release-2.1.3").version, read_tag("V_8_3_P1").version
    ('2.1.3', '8.3p1')
    >>> read_tag("cares-1_18_1", TagRules(package_name="c-ares")).version
    '1.18.1'
    >>> read_tag("debian/3.5.25-1").rejected
    "path 'debian/' does not name this package"
    >>> read_tag("9999").rejected
    'a placeholder, not a release'
    """
    if rules is None:
        rules = _NO_RULES
    text = tag.strip()
    if not text:
        return TagReading(tag, None, "empty tag")
    text, rejected = _apply_rules(text, rules)
    if rejected is None and "/" in text:  # _strip_path leaves a tag without a path as it is
        text, rejected = _strip_path(text, rules.package_name)
    if rejected is not None:
        return TagReading(tag, None, rejected)
    if (plain := _PLAIN.fullmatch(text)) and rules.separator in (None, "."):
        # Most tags are v1.2.3 or 1.2.3: none of the clean-ups below would change them.
        text = plain.group(1)
    else:
        text = _clean(text, rules)
    problem = version_problem(text)
    if problem is not None:
        return TagReading(tag, None, problem)
    if rules.ignored and (tag in rules.ignored or text in rules.ignored):
        return TagReading(tag, None, "ignored by the rules")
    return TagReading(tag, text)


def _clean(text: str, rules: TagRules) -> str:
    """The name, word and ``v`` prefixes, separators, suffixes and patch levels.

    A text that is no version once its prefixes are gone (it does not start with a digit)
    is returned as it is then: :func:`read_tag` rejects it, and no later step could change
    that, as none changes a first character but to a ``.``.
    """
    forms = _name_forms(rules.package_name) if rules.package_name else None
    # The prefixes stripped below all start with a letter, unless the package's name starts
    # with a digit: once the text starts with a digit, there is nothing left to strip.
    digit_name = forms is not None and forms.digit_initial
    for _ in range(3):  # name-release-v1.0 needs more than one pass
        if text[:1].isdigit() and not digit_name:
            break
        before = text
        if forms is not None:
            text = _strip_name(text, forms)
        if not text[:1].isdigit():  # both prefixes start with a letter
            for prefix in (_RELEASE_WORD, _V_PREFIX):
                if match := prefix.match(text):
                    text = text[match.end() :]
        if text == before:
            break
    if not "0" <= text[:1] <= "9":  # no version: see above
        return text
    text = _separate(text, rules.separator)
    # The regexes below only match text ending in a letter (or a newline), or holding a p.
    if not text[-1:].isdigit():
        text = _SUFFIX.sub("", text)
    if "p" in text or "P" in text:
        text = _PATCH_LEVEL.sub(r"p\1", text)
    return text


def tag_to_version(tag: str, rules: TagRules | None = None) -> str | None:
    """The version a tag names under ``rules``, or ``None`` (see :func:`read_tag`).

    >>> tag_to_version("v1.2.3"), tag_to_version("latest")
    ('1.2.3', None)
    """
    return read_tag(tag, rules).version


_VERSION_CHARS: Final = re.compile(r"[0-9A-Za-z._+~^-]+")
_HASH: Final = re.compile(r"[0-9a-f]{7,40}")
# Words that mark a branch, a merge point or a withdrawn tag rather than a release.
_NOT_RELEASE_WORDS: Final = frozenset(
    {
        "branch", "branches", "maint", "maintenance", "merge", "merged", "split", "base",
        "start", "init", "wip", "fork", "master", "main", "trunk", "head", "tmp", "temp",
        "draft", "backup", "retracted", "yanked", "withdrawn", "docs",
        "bp", "updates",  # a CVS-style branch point (foo-4.9.0-bp), a Fedora branch (f32-updates)
    }
)  # fmt: skip
_BRANCH_X: Final = re.compile(r"(?:^|[._-])[xX](?:$|[._-])")
_NUMERIC: Final = re.compile(r"\d+(?:\.\d+)*")
_WORD: Final = re.compile(r"[a-z]+")
_ROUND_NUMBER: Final = re.compile(r"[1-9]0{3,}")


@functools.lru_cache(maxsize=_CACHE)
def _numbers(version: str) -> tuple[str, ...]:
    """The leading run of dot-separated numbers: ``('1', '2')`` for ``1.2rc1``.

    Cached: numeric_parts, is_placeholder, version_scheme and classify_version all read them.
    """
    match = _NUMERIC.match(version.replace("_", ".").replace("-", "."))
    return tuple(match.group().split(".")) if match else ()


@functools.lru_cache(maxsize=_CACHE)
def numeric_parts(version: str) -> tuple[int, ...]:
    """The leading numbers of ``version``: its major, minor, ... release numbers.

    >>> numeric_parts("2.79.1"), numeric_parts("1.0rc1"), numeric_parts("6.9.11-24")
    ((2, 79, 1), (1, 0), (6, 9, 11, 24))
    >>> numeric_parts("latest")
    ()
    """
    return tuple(map(int, _numbers(version)))


def is_placeholder(version: str) -> bool:
    """Whether ``version`` is a stand-in rather than a release: ``0.0.0``, ``9999``, ``9000``.

    All-zero versions, a leading number of three or more nines, and a round leading number of
    1000 or more (not a year) followed only by zeros.

    >>> [is_placeholder(v) for v in ("0.0.0", "99999", "9000", "999.1", "2000", "1.0", "100")]
    [True, True, True, True, False, False, False]
    """
    # Not cached: version_problem, which caches, is what calls it.
    numbers = _numbers(version)
    if not numbers:
        return False
    first = numbers[0]
    if len(first) >= 3 and set(first) == {"9"}:
        return True
    if ".".join(numbers) != version:  # the other two need the whole version to be numbers
        return False
    if not any(map(int, numbers)):  # all zero
        return True
    return (
        len(first) >= 4  # as a round number of 1000 or more has: rules most out cheaply
        and _ROUND_NUMBER.fullmatch(first) is not None
        and not _is_year(first)
        and not any(map(int, numbers[1:]))
    )


@functools.lru_cache(maxsize=_CACHE)
def version_problem(version: str) -> str | None:
    """Why ``version`` cannot be a release version, or ``None`` when it can.

    >>> version_problem("1.2.3") is None
    True
    >>> [version_problem(v) for v in ("stable", "2.0-branch-foo", "1.x", "1a2b3c4d", "9000")]
    ['does not start with a digit', "contains 'branch': a branch or non-release tag", \
'a branch name like 1.x', 'looks like a commit hash', 'a placeholder, not a release']
    """
    if _DOTTED.fullmatch(version):
        # 1.2.3, the common case: digits and dots pass every check below but the last (the
        # hash check spares digits, words and 1.x need letters).
        return "a placeholder, not a release" if is_placeholder(version) else None
    if not version:
        return "empty"
    if not "0" <= version[0] <= "9":
        return "does not start with a digit"
    if not _VERSION_CHARS.fullmatch(version):
        return "contains characters a version cannot have"
    if _HASH.fullmatch(version) and not version.isdigit():
        return "looks like a commit hash"
    for word in _WORD.findall(version.lower()):
        if word in _NOT_RELEASE_WORDS:
            return f"contains {word!r}: a branch or non-release tag"
    if _BRANCH_X.search(version):
        return "a branch name like 1.x"
    if is_placeholder(version):
        return "a placeholder, not a release"
    return None


# Pre-release words; the single letters count only between numbers (1.0a1, 5.0.0-M3), since
# 1.1.1g (OpenSSL) and 1.48.10a (espeak-ng) are stable letter releases.
_PRERELEASE_WORDS: Final = frozenset(
    {"alpha", "beta", "rc", "pre", "prerelease", "preview", "dev", "devel", "cr", "milestone",
     "trial", "test", "testing", "unstable"}
)  # fmt: skip
_PRERELEASE_LETTERS: Final = frozenset({"a", "b", "c", "m"})
_SNAPSHOT_WORDS: Final = frozenset({"snapshot", "nightly", "git", "svn", "hg", "bzr", "cvs"})
_LETTERS: Final = re.compile(r"[a-zA-Z]+")
_GIT_DESCRIBE: Final = re.compile(r"(?P<base>.+?)-(?P<count>\d+)-g(?P<hash>[0-9a-f]{4,40})")
# Go module pseudo-versions: v0.7.1-0.20240101120000-abcdef123456, v1.2.3-pre.0.2024…-abc…
_PLAIN: Final = re.compile(r"[vV]?(\d+(?:\.\d+)*)")
_GO_PSEUDO: Final = re.compile(r".+[-.]0\.\d{14}-[0-9a-f]{12}")


@functools.lru_cache(maxsize=_CACHE)
def _prerelease_marker(version: str) -> tuple[int, str] | None:
    """Where the first pre-release word starts in ``version``, and the word."""
    # The version reads as tokens: runs of digits, runs of ASCII letters, and single other
    # characters. A marker is a run of letters (no other token lowercases to a pre-release
    # word or letter), so only those runs are visited. The token next to a run is digits
    # exactly when the character next to it is a digit, as runs of digits are whole tokens.
    cut = len(version)
    for symbol in "^+":  # what follows is snapshot or build metadata (hex hashes)
        if symbol in version:
            cut = min(cut, version.index(symbol))
    for match in _LETTERS.finditer(version, 0, cut):
        start, end = match.span()
        if start == 0:  # the first token is the version's name or number, never a marker
            continue
        word = match.group().lower()
        if word in _PRERELEASE_WORDS:
            return start, word
        # 1.0a1 or 5.0.0-M3: the letter follows a number, directly or after one separator.
        after_number = version[start - 1].isdigit() or (start >= 2 and version[start - 2].isdigit())
        if word in _PRERELEASE_LETTERS and version[end : end + 1].isdigit() and after_number:
            return start, word
    return None


@functools.lru_cache(maxsize=_CACHE)
def rpm_version(version: str) -> str:
    """``version`` as a packager writes it in an rpm ``Version:``, so that rpm orders it.

    Following the Fedora versioning guidelines, a pre-release gets ``~`` (sorts before its
    release) and a ``git describe`` snapshot gets ``^`` (sorts after its base, before the
    next release); remaining ``-`` become ``.``, which rpm does not allow in a version.
    Idempotent.

    >>> [rpm_version(v) for v in ("1.0.0-beta.2", "1.0rc1", "1.2-3-gabcdef1", "6.9.11-24")]
    ['1.0.0~beta.2', '1.0~rc1', '1.2^3.gabcdef1', '6.9.11.24']
    >>> rpm_version("1.0~rc1")
    '1.0~rc1'
    """
    # The '-' test is only a shortcut: git describe output always has one.
    if "-" in version and (match := _GIT_DESCRIBE.fullmatch(version)):
        version = f"{match['base']}^{match['count']}.g{match['hash']}"
    marker = _prerelease_marker(version)
    if marker is not None:
        head = version[: marker[0]]
        if not head.endswith("~"):
            version = head.rstrip("-._") + "~" + version[marker[0] :]
    return version.replace("-", ".")


def compare_versions(a: str, b: str) -> int:
    """Compare two upstream versions in rpm order (of their :func:`rpm_version`): -1, 0, 1.

    rpm reads numbers, not decimals: ``1.04`` is 1.4, newer than ``1.3``.

    >>> compare_versions("1.04", "1.3"), compare_versions("2.0.0-rc.1", "2.0.0")
    (1, -1)
    """
    if a == b:
        return 0
    return rpmvercmp(rpm_version(a), rpm_version(b))


@functools.lru_cache(maxsize=_CACHE)
def upstream_version_key(version: str) -> tuple[object, ...]:
    """A sort key ordering upstream versions as :func:`compare_versions` does."""
    if _DOTTED.fullmatch(version):  # no '-' and no letter: rpm_version would return it as is
        return version_key(version)
    return version_key(rpm_version(version))


class VersionScheme(StrEnum):
    """How a project numbers its releases, read from one version."""

    SEMANTIC = "semantic"  # 1.2.3, 2.79.1
    CALENDAR = "calendar"  # 2023.1, 2020.07.06, 2024a (a four-digit year first)
    DATE_SERIAL = "date-serial"  # 20150213, 20150213.1 (a whole date first)
    SINGLE_NUMBER = "single-number"  # 37, 245
    UNKNOWN = "unknown"  # not a version


SchemeGroup = Literal["numeric", "calendar", "date", "unknown"]
_GROUPS: Final[Mapping[VersionScheme, SchemeGroup]] = {
    VersionScheme.SEMANTIC: "numeric",
    VersionScheme.SINGLE_NUMBER: "numeric",
    VersionScheme.CALENDAR: "calendar",
    VersionScheme.DATE_SERIAL: "date",
    VersionScheme.UNKNOWN: "unknown",
}


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and 1990 <= int(digits) <= 2099


def _is_date(digits: str) -> bool:
    if len(digits) not in (8, 10, 12, 14) or not _is_year(digits[:4]):
        return False
    try:
        _dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=_CACHE)
def version_scheme(version: str) -> VersionScheme:
    """The numbering scheme ``version`` belongs to.

    >>> [version_scheme(v).value for v in ("1.2.3", "2020.07.06", "20150213.1", "37", "latest")]
    ['semantic', 'calendar', 'date-serial', 'single-number', 'unknown']
    """
    numbers = _numbers(version)
    if not numbers:
        return VersionScheme.UNKNOWN
    first = numbers[0]
    # Lengths first: most leading numbers are too short for a date or a year.
    length = len(first)
    if length >= 8 and _is_date(first):
        return VersionScheme.DATE_SERIAL
    if (length == 4 and _is_year(first)) or (
        length == 6 and _is_year(first[:4]) and 1 <= int(first[4:]) <= 12
    ):
        return VersionScheme.CALENDAR
    return VersionScheme.SINGLE_NUMBER if len(numbers) == 1 else VersionScheme.SEMANTIC


@functools.lru_cache(maxsize=_CACHE)
def comparable_group(version: str) -> SchemeGroup:
    """The group of schemes whose versions rpm order compares meaningfully with this one.

    Semantic and single-number versions compare with each other (``37`` → ``37.1`` → ``38``);
    calendar and date-serial versions each form their own group, because any year or date
    outranks every ordinary version number.

    >>> comparable_group("1.2.3") == comparable_group("38"), comparable_group("20150213.1")
    (True, 'date')
    """
    return _GROUPS[version_scheme(version)]


class ReleaseClass(StrEnum):
    """What kind of release a version is."""

    STABLE = "stable"
    PRERELEASE = "prerelease"
    DEVELOPMENT = "development"  # e.g. an odd-minor GNOME series
    SNAPSHOT = "snapshot"  # a dated or VCS build, not a release


@dataclass(frozen=True, slots=True)
class Classification:
    """A :class:`ReleaseClass` with the reason it was chosen."""

    release_class: ReleaseClass
    reason: str


# Classifications are immutable: one instance serves every version with the same answer.
_STABLE: Final = Classification(ReleaseClass.STABLE, "no pre-release or snapshot marker")
_DATE_SNAPSHOT: Final = Classification(ReleaseClass.SNAPSHOT, "a date, not a release number")
_MARKED_PRERELEASE: Final = Classification(ReleaseClass.PRERELEASE, "marked pre-release upstream")


def classify_version(
    version: str, *, gnome_odd_minor: bool = False, date_versions: bool = False
) -> Classification:
    """Classify ``version`` from its text alone.

    Snapshots: ``git describe`` output (``1.2-3-gabcdef``), rpm's ``^`` (``1.0^git1``), the
    words snapshot/nightly/git/svn/hg/bzr/cvs, and a whole date as the first number
    (``20150213.1``) unless ``date_versions`` says the project releases by date.
    Pre-releases: alpha, beta, rc, pre, preview, dev, cr, milestone, trial, test (also
    ``1.0a1``, ``1.0b2``, ``1.0c1``, ``5.0.0-M3``; ``1.1.1g`` is a stable letter release and
    ``1.0.post1`` a stable post-release). Development: with ``gnome_odd_minor``, an odd minor
    number (GLib 2.79.1), the GNOME convention that not every project follows.

    >>> classify_version("2.79.1", gnome_odd_minor=True)
    Classification(release_class=<ReleaseClass.DEVELOPMENT: 'development'>, \
reason='odd minor version 79: a GNOME development series')
    >>> classify_version("1.0.post1").release_class, classify_version("1.0.dev3").release_class
    (<ReleaseClass.STABLE: 'stable'>, <ReleaseClass.PRERELEASE: 'prerelease'>)
    """
    return _classify_version(version, gnome_odd_minor, date_versions)


# Cached with positional arguments: lru_cache looks keyword arguments up several times slower,
# and classify_release runs for every candidate release of every package.
@functools.lru_cache(maxsize=_CACHE)
def _classify_version(version: str, gnome_odd_minor: bool, date_versions: bool) -> Classification:
    # A version of digits and dots (1.2.3) has none of the markers: each needs a '-', a '^'
    # or a letter.
    if not _DOTTED.fullmatch(version) and (marked := _marked_version(version)) is not None:
        return marked
    if not date_versions and version_scheme(version) is VersionScheme.DATE_SERIAL:
        return _DATE_SNAPSHOT
    if gnome_odd_minor and len(numbers := _numbers(version)) >= 2 and int(numbers[1]) % 2 == 1:
        return Classification(
            ReleaseClass.DEVELOPMENT,
            f"odd minor version {int(numbers[1])}: a GNOME development series",
        )
    return _STABLE


def _marked_version(version: str) -> Classification | None:
    """The snapshot or pre-release that a marker in ``version`` makes it, if any."""
    if "-" in version:  # as both patterns below require
        if _GIT_DESCRIBE.fullmatch(version):
            return Classification(ReleaseClass.SNAPSHOT, "git describe output: commits after a tag")
        if _GO_PSEUDO.fullmatch(version):
            return Classification(
                ReleaseClass.SNAPSHOT, "a Go pseudo-version: a commit, not a release"
            )
    if "^" in version:
        return Classification(ReleaseClass.SNAPSHOT, "'^' marks a post-release snapshot")
    for word in _WORD.findall(version.lower()):
        if word in _SNAPSHOT_WORDS:
            return Classification(ReleaseClass.SNAPSHOT, f"{word!r} marks a snapshot")
    marker = _prerelease_marker(version)
    if marker is not None:
        return Classification(ReleaseClass.PRERELEASE, f"{marker[1]!r} marks a pre-release")
    return None


@dataclass(frozen=True, slots=True)
class Release:
    """One upstream release: the tag, the version read from it, and what the API said.

    ``prerelease`` is the upstream's own flag (GitHub's ``prerelease``), ``None`` when the
    source has none.
    """

    tag: str
    version: str
    date: _dt.datetime | None = None
    url: str | None = None
    prerelease: bool | None = None

    def __init__(
        self,
        tag: str,
        version: str,
        date: _dt.datetime | None = None,
        url: str | None = None,
        prerelease: bool | None = None,
    ) -> None:
        # Written out because a check builds one per tag: see _slot_setters.
        _set_release_tag(self, tag)
        _set_release_version(self, version)
        _set_release_date(self, date)
        _set_release_url(self, url)
        _set_release_prerelease(self, prerelease)


(
    _set_release_tag,
    _set_release_version,
    _set_release_date,
    _set_release_url,
    _set_release_prerelease,
) = _slot_setters(Release, "tag", "version", "date", "url", "prerelease")


def classify_release(
    release: Release, *, gnome_odd_minor: bool = False, date_versions: bool = False
) -> Classification:
    """Classify a release: the upstream's pre-release flag wins over a stable-looking version.

    A version that looks like a pre-release stays one even when the flag says otherwise:
    many projects never set the flag.

    >>> classify_release(Release("v2.0", "2.0", prerelease=True)).reason
    'marked pre-release upstream'
    """
    found = _classify_version(release.version, gnome_odd_minor, date_versions)
    if release.prerelease and found.release_class is ReleaseClass.STABLE:
        return _MARKED_PRERELEASE
    return found


def releases_from_tags(
    tags: Iterable[tuple[str, _dt.datetime | None]], rules: TagRules | None = None
) -> list[Release]:
    """Releases for the tags that name versions, in input order, one per version.

    >>> [r.version for r in releases_from_tags([("v1.0", None), ("1.0", None), ("x", None)])]
    ['1.0']
    """
    seen: set[str] = set()
    releases = []
    for tag, date in tags:
        version = tag_to_version(tag, rules)
        if version is not None and version not in seen:
            seen.add(version)
            releases.append(Release(tag, version, date))
    return releases
