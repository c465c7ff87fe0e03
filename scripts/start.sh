#!/usr/bin/env bash
# Set up the collection (once) and open it in JupyterLab on 127.0.0.1.
# Usage: bash scripts/start.sh [extra jupyter lab options]
#        bash scripts/start.sh --setup-only   (install, then exit without starting JupyterLab)
# Environment: VENV (default .venv), PYTHON (default python3), PORT (default 8888).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the virtual environment $VENV ..."
  "$PYTHON" -m venv "$VENV"
fi
# pip skips what is already installed, so later starts take a few seconds.
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r requirements.txt

if [ "${1:-}" = "--setup-only" ]; then
  echo "Set-up done in $VENV; start JupyterLab with: bash scripts/start.sh"
  exit 0
fi

extra=()
# JupyterLab exits as root (containers, CI machines) unless --allow-root is passed.
if [ "$(id -u)" = 0 ]; then
  extra+=(--allow-root)
fi
exec "$VENV/bin/jupyter" lab --ip=127.0.0.1 --port="${PORT:-8888}" \
  --ServerApp.root_dir="$PWD" "${extra[@]}" notebooks/00_start_here.ipynb "$@"
