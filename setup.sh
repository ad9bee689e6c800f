#!/usr/bin/env bash
# Set up everything from nothing: uv, the locked Python environment in .venv, the dashboard's
# offline page assets and (as root, when missing) Debian's Chromium for the browser tests.
# Needs only a Python >= 3.12 (pyenv's is found) and the package registries. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
export UV_PYTHON_DOWNLOADS=never PIP_DISABLE_PIP_VERSION_CHECK=1

find_python() {
  local candidates=()
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.12*/bin/python3 "$(pyenv root)"/versions/3.13*/bin/python3)
  fi
  candidates+=("$HOME"/.pyenv/versions/3.12*/bin/python3 python3.12 python3.13 python3)
  for py in "${candidates[@]}"; do
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$py"; return 0
    fi
  done
  echo "setup: no Python >= 3.12 found (Mesa 3.5 needs it); install one with pyenv" >&2
  return 1
}

PY="$(find_python)"
echo "setup: using $PY ($("$PY" --version))"
"$PY" -m pip install -q "uv==0.13.9"
"$PY" -m uv sync --frozen --all-extras --compile-bytecode --python "$PY"
# The package's own bytecode as well (uv compiles the dependencies'): where
# PYTHONDONTWRITEBYTECODE is set, every process (a CLI, a pool or Dask worker, a notebook
# kernel) would otherwise compile sim again, about 0.2-0.4 s of CPU each.
.venv/bin/python -m compileall -q sim
bash .ci/solara_offline_assets.sh .venv

# Debian's chromium for the browser tests, and a CJK font so Chinese labels render.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; as root: apt-get install ${missing[*]} (browser tests skip without chromium)"
  fi
fi
echo "setup: done. Main job: .venv/bin/sim compare    Tests: .venv/bin/python -m pytest"
