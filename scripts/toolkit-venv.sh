#!/usr/bin/env bash
# Create (or reuse) the virtualenv with coordination-network-toolkit 1.5.2 from PyPI.
# Idempotent: pip runs only when the right version is not installed. Prints the venv's python.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${TOOLKIT_VENV:-$root/.venv}"
want="1.5.2"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
have="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("coordination-network-toolkit"))' 2>/dev/null || true)"
if [ "$have" != "$want" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "coordination-network-toolkit==$want" >&2
fi
echo "$venv/bin/python"
