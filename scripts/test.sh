#!/usr/bin/env bash
# Set up a test environment and run the whole test suite.
# Usage: bash scripts/test.sh [pytest options]
# Environment: VENV (default .venv), PYTHON (default python3).
# As root on Debian it installs the chromium package for the browser tests; elsewhere those
# tests are skipped unless /usr/bin/chromium exists (and fail in CI, where CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r requirements-test.txt
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null

exec "$VENV/bin/python" -m pytest "$@"
