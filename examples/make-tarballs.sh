#!/usr/bin/env bash
# Build the Source0 archives of the example distribution from examples/upstream-src/.
#
# Every package folder in examples/distro/ names its upstream archive in Source0; the
# archives themselves are not committed (see .gitignore). This script recreates them,
# byte for byte: sorted members, mtime 0, root:root ownership, normalised modes,
# `gzip -n`, single-threaded xz. Running it twice changes nothing.
#
# Usage:
#   examples/make-tarballs.sh                      # all packages, into examples/distro/<pkg>/
#   examples/make-tarballs.sh jansson zstd         # only these packages
#   examples/make-tarballs.sh --outdir DIR [PKG..] # write the archives into DIR instead
#   examples/make-tarballs.sh --version 2.14 --outdir DIR jansson
#       # a synthetic NEWER release for upgrade tests: the tree, the archive name and
#       # every occurrence of the old version string in text files become 2.14
#   examples/make-tarballs.sh --list               # print the package table
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/upstream-src
DISTRO=$HERE/distro

# package | version | tree under upstream-src/ (= top directory in the archive) | archive
PACKAGES='
A-Tune-Collector|1.1.0|A-Tune-Collector-v1.1.0|A-Tune-Collector-1.1.0.tar.gz
PyPAM|0.5.0|PyPAM-0.5.0|PyPAM-0.5.0.tar.gz
adcli|0.8.2|adcli-0.8.2|adcli-0.8.2.tar.gz
apr|1.7.0|apr-1.7.0|apr-1.7.0.tar.bz2
dblatex|0.3.11|dblatex3-0.3.11|dblatex3-0.3.11.tar.bz2
dos2unix|7.4.1|dos2unix-7.4.1|dos2unix-7.4.1.tar.gz
expat|2.2.8|expat-2.2.8|expat-2.2.8.tar.xz
golang-github-coreos-go-iptables|0.4.5|go-iptables-0.4.5|go-iptables-0.4.5.tar.gz
hello|2.9|hello-2.9|hello-2.9.tar.gz
iniparser|4.1|iniparser-4.1|iniparser-4.1.tar.gz
jansson|2.13.1|jansson-2.13.1|jansson-2.13.1.tar.gz
libgee|0.20.3|libgee-0.20.3|libgee-0.20.3.tar.xz
libuv|1.38.0|libuv-v1.38.0|libuv-v1.38.0.tar.gz
libyaml|0.2.2|yaml-0.2.2|yaml-0.2.2.tar.gz
lz4|1.9.2|lz4-1.9.2|lz4-1.9.2.tar.gz
perl-Try-Tiny|0.30|Try-Tiny-0.30|Try-Tiny-0.30.tar.gz
python-idna|2.10|idna-2.10|idna-2.10.tar.gz
python-requests|2.24.0|requests-2.24.0|requests-v2.24.0.tar.gz
rubygem-rake|13.0.1|rake-13.0.1|rake-13.0.1.gem
traceroute|2.1.0|traceroute-2.1.0|traceroute-2.1.0.tar.gz
which|2.20|which-2.20|which-2.20.tar.gz
zstd|1.4.5|zstd-1.4.5|zstd-1.4.5.tar.gz
'

die() { echo "make-tarballs: $*" >&2; exit 1; }

outdir=
new_version=
list_only=
wanted=()
while (($#)); do
    case $1 in
        --outdir) outdir=${2:?--outdir needs a directory}; shift 2 ;;
        --version) new_version=${2:?--version needs a version}; shift 2 ;;
        --list) list_only=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) wanted+=("$1"); shift ;;
    esac
done
if [[ -n $new_version && ${#wanted[@]} -ne 1 ]]; then
    die "--version needs exactly one package"
fi
if [[ -n $new_version && -z $outdir ]]; then
    die "--version needs --outdir (the example tree keeps the packaged version)"
fi

export LC_ALL=C TZ=UTC
umask 022
TAR_FLAGS=(--sort=name --format=gnu --mtime=@0 --owner=0 --group=0 --numeric-owner
           --mode=u+rw,go-w,a+rX)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# compress FORMAT < tar > archive
compress() {
    case $1 in
        *.tar.gz|*.tgz) gzip -9 -n ;;
        *.tar.xz) xz -T1 -6 -c ;;
        *.tar.bz2) bzip2 -9 -c ;;
        *) die "unsupported archive type: $1" ;;
    esac
}

# Rewrite OLD to NEW in every text file of a tree (for --version).
bump_tree() {
    local dir=$1 old=$2 new=$3 f
    while IFS= read -r -d '' f; do
        if grep -Iq . "$f" && grep -qF "$old" "$f"; then
            sed -i "s/${old//./\\.}/$new/g" "$f"
        fi
    done < <(find "$dir" -type f -print0)
}

# A .gem is an uncompressed tar of metadata.gz, data.tar.gz and checksums.yaml.gz; the
# gem specification lives in the tree as .gem/metadata and is not part of data.tar.gz.
make_gem() {
    local tree=$1 out=$2 g=$work/gem
    rm -rf "$g"; mkdir -p "$g"
    [[ -f $tree/.gem/metadata ]] || die "$tree has no .gem/metadata"
    local members=()
    mapfile -t members < <(cd "$tree" && find . -mindepth 1 -maxdepth 1 ! -name .gem -printf '%P\n' | sort)
    tar "${TAR_FLAGS[@]}" -C "$tree" -cf - "${members[@]}" | gzip -9 -n > "$g/data.tar.gz"
    gzip -9 -n -c "$tree/.gem/metadata" > "$g/metadata.gz"
    {
        echo "---"
        echo "SHA256:"
        for m in metadata.gz data.tar.gz; do
            echo "  $m: $(sha256sum "$g/$m" | cut -d' ' -f1)"
        done
    } | gzip -9 -n > "$g/checksums.yaml.gz"
    tar "${TAR_FLAGS[@]}" -C "$g" -cf "$out" metadata.gz data.tar.gz checksums.yaml.gz
}

# build PACKAGE VERSION TREE ARCHIVE
build() {
    local pkg=$1 version=$2 tree=$3 archive=$4 stage=$work/stage top dest tmp
    [[ -d $SRC/$tree ]] || die "$pkg: missing source tree upstream-src/$tree"
    rm -rf "$stage"; mkdir -p "$stage"
    top=$tree
    if [[ -n $new_version ]]; then
        top=${tree//$version/$new_version}
        archive=${archive//$version/$new_version}
    fi
    cp -R "$SRC/$tree" "$stage/$top"
    if [[ -n $new_version ]]; then
        bump_tree "$stage/$top" "$version" "$new_version"
    fi

    if [[ -n $outdir ]]; then
        dest=$outdir
    else
        dest=$DISTRO/$pkg
        [[ -d $dest ]] || die "$pkg: no package folder distro/$pkg"
    fi
    mkdir -p "$dest"
    tmp=$work/$archive
    if [[ $archive == *.gem ]]; then
        make_gem "$stage/$top" "$tmp"
    else
        tar "${TAR_FLAGS[@]}" -C "$stage" -cf - "$top" | compress "$archive" > "$tmp"
    fi
    if [[ -f $dest/$archive ]] && cmp -s "$tmp" "$dest/$archive"; then
        echo "unchanged  $dest/$archive"
    else
        mv -f "$tmp" "$dest/$archive"
        echo "written    $dest/$archive"
    fi
}

found=()
while IFS='|' read -r pkg version tree archive; do
    [[ -n $pkg ]] || continue
    if [[ -n $list_only ]]; then
        printf '%-34s %-8s %s\n' "$pkg" "$version" "$archive"
        continue
    fi
    if ((${#wanted[@]})); then
        match=
        for w in "${wanted[@]}"; do [[ $w == "$pkg" ]] && match=1; done
        [[ -n $match ]] || continue
    fi
    found+=("$pkg")
    build "$pkg" "$version" "$tree" "$archive"
done <<< "$PACKAGES"

if ((${#wanted[@]})) && ((${#found[@]} != ${#wanted[@]})); then
    die "unknown package(s) among: ${wanted[*]} (see --list)"
fi
