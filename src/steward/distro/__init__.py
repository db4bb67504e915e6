"""Loading a distribution's package tree: layouts, upstream metadata, distro profiles.

>>> from steward.distro import load_tree
>>> distro = load_tree("path/to/src-openeuler", profile="openeuler-24.03")  # doctest: +SKIP
>>> [(p.name, p.evr, p.problem_codes()) for p in distro if p.problems]     # doctest: +SKIP
"""

from steward.distro.metadata import (
    DatedTag,
    MetadataProblem,
    UpstreamInfo,
    UpstreamKind,
    load_upstream_info,
    parse_upstream_info,
)
from steward.distro.profiles import (
    DEFAULT_PROFILE,
    Profile,
    ProfileError,
    UnknownProfileError,
    available_profiles,
    load_profile,
)
from steward.distro.tree import (
    LAYOUTS,
    Distro,
    FileRef,
    PackageRecord,
    Problem,
    TreeError,
    detect_layout,
    load_package,
    load_tree,
    parse_sources_file,
)

__all__ = [
    "DEFAULT_PROFILE",
    "LAYOUTS",
    "DatedTag",
    "Distro",
    "FileRef",
    "MetadataProblem",
    "PackageRecord",
    "Problem",
    "Profile",
    "ProfileError",
    "TreeError",
    "UnknownProfileError",
    "UpstreamInfo",
    "UpstreamKind",
    "available_profiles",
    "detect_layout",
    "load_package",
    "load_profile",
    "load_tree",
    "load_upstream_info",
    "parse_sources_file",
    "parse_upstream_info",
]
