#!/usr/bin/env bash
# Set everything up, then run the whole test suite (and ruff, and mypy --strict over src/steward).
# Used by CI through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest -n "${STEWARD_TEST_WORKERS:-2}" "$@"
