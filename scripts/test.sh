#!/usr/bin/env bash
# Set everything up, then run the whole test suite (and ruff). Used by CI through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -n "${STEWARD_TEST_WORKERS:-2}" "$@"
