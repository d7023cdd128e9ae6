#!/usr/bin/env bash
# Python virtualenv for the export validation (and other Python checks): creates <repo>/.venv
# once, installs the pinned packages only when they are missing or at another version, and
# prints the venv's python on stdout (logs go to stderr). Warm runs take well under a second.
# Usage: PY="$(scripts/pyenv.sh)"; "$PY" scripts/validate-exports.py DIR
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$PWD/.venv"
# Pinned versions (networkx 3.6 needs Python >= 3.11).
NETWORKX_VERSION="3.6.1"  # 3.6 is the first to read GEXF 1.3 (networkx PR #8196)
PANDAS_VERSION="2.2.3"

log() { printf '[pyenv] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV" >&2
fi
PY="$VENV/bin/python"
if ! "$PY" - "$NETWORKX_VERSION" "$PANDAS_VERSION" >/dev/null 2>&1 <<'PYCHECK'
import sys, networkx, pandas
sys.exit(0 if (networkx.__version__, pandas.__version__) == (sys.argv[1], sys.argv[2]) else 1)
PYCHECK
then
  log "installing networkx==$NETWORKX_VERSION pandas==$PANDAS_VERSION"
  "$PY" -m pip install --disable-pip-version-check --quiet \
    "networkx==$NETWORKX_VERSION" "pandas==$PANDAS_VERSION" >&2
fi
echo "$PY"
