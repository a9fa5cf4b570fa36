#!/usr/bin/env bash
# Install Jac-Scale with its test extras, start the services the tests need, run the tests.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

echo "==> installing jac-scale[test] into .venv"
ensure_venv test

if [ -f scripts/services.sh ]; then
    echo "==> starting test services"
    bash scripts/services.sh start
    trap 'bash scripts/services.sh stop' EXIT
fi

echo "==> running tests"
.venv/bin/ruff format --check --quiet src tests bench
.venv/bin/ruff check --quiet src tests bench
.venv/bin/python -m pytest "$@"
