# Sourced by scripts/serve and scripts/test: make .venv if missing, install when pyproject changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
ensure_venv() {  # $1: extras, e.g. "test" or ""
  local extras="$1" spec="." stamp
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $($PYTHON --version)…"
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
  stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-base}"
  if [ ! -e "$stamp" ]; then
    echo "Installing votingapp${extras:+ with $extras extras}…"
    .venv/bin/python -m pip install -q -e "$spec"
    touch "$stamp"
  fi
}
