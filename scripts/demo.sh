#!/usr/bin/env bash
# Set everything up, then run Steward's main job on the bundled example distribution with the
# embedded default store: inventory, then check and outdated against a local upstream on
# 127.0.0.1 that answers for the example packages' real upstreams (no internet needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash examples/make-tarballs.sh >/dev/null
exec .venv/bin/python examples/demo.py
