#!/usr/bin/env bash
# Set up everything Steward needs on a fresh Debian/Ubuntu machine (run as root or with sudo):
# system packages (rpm, rpmbuild, git, patch, svn, hg), a virtual environment in .venv and
# Steward itself with its development tools. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(rpm python3-rpm git patch subversion mercurial xz-utils bzip2 zstd gnupg gpgv ca-certificates gcc make debugedit elfutils abigail-tools file cpio openssl)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "steward setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "steward setup: Python 3.11 or newer is required (found $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get install -y -qq python3-venv >/dev/null
    "$PYTHON" -m venv .venv
  fi
fi

# Reinstall only when the dependency list or its lock changed since the last install.
# constraints.txt (written by scripts/lock.sh) pins every package, so CI is reproducible.
# STEWARD_EXTRAS adds extras: STEWARD_EXTRAS=dev,bench for the benchmarks' nvchecker.
extras="${STEWARD_EXTRAS:-dev}"
stamp=.venv/.steward-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)-$extras
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "steward setup: installing Steward and its Python dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip -c constraints.txt
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[$extras]"
  echo "$want" > "$stamp"
fi
