#!/usr/bin/env bash
# Set up bnreg_nb and run a command inside its environment.
#
#   bash bootstrap.sh [COMMAND [ARGS...]]
#
# 1. creates .venv with Python >= 3.10 (prefers 3.12/3.11, for which constraints.txt pins the exact stack);
# 2. installs bnreg_nb (editable, with the `dev` extra) when .venv is new or pyproject.toml/constraints.txt changed,
#    and reuses the environment otherwise;
# 3. makes sure Fashion-MNIST, the embedded default data, is on the machine: Debian's `dataset-fashion-mnist`
#    where apt-get can be used, else torchvision's download; otherwise it says how to get it;
# 4. runs COMMAND with .venv/bin first on PATH (nothing more when no command is given).
#
# Environment: PYTHON=python3.x to choose the interpreter; BNREG_NO_APT=1 to never call apt-get.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

pick_python() {
  local c
  for c in ${PYTHON:-} python3.12 python3.11 python3 python3.10; do
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then echo "$c"; return; fi
  done
  say "bnreg_nb needs Python >= 3.10; none was found (set PYTHON=/path/to/python3.x)."; exit 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(pick_python)
  say "creating .venv with $("$py" --version 2>&1)"
  "$py" -m venv .venv
fi

stamp=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ "$(cat .venv/.bnreg-stamp 2>/dev/null)" != "$stamp" ]; then
  pyver=$(.venv/bin/python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  cons=(-c constraints.txt)
  case "$pyver" in 3.11|3.12) ;; *) cons=(); say "Python $pyver: constraints.txt pins the stack for 3.11/3.12, installing from pyproject.toml's ranges instead";; esac
  say "installing bnreg_nb and its stack into .venv (a few minutes the first time)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check "${cons[@]}" -e ".[dev]" 2>&1 \
    | grep -v "^WARNING: Location .* is ignored" || true
  .venv/bin/python -c 'import bnreg_nb, torch, torchvision, fastai, accelerate, timm, nbdev' \
    || { say "the install failed: see the pip messages above"; exit 1; }
  echo "$stamp" > .venv/.bnreg-stamp
fi

have_fmnist() { .venv/bin/python -c 'from bnreg_nb.data import find_idx; find_idx("fashion-mnist", download=False)' >/dev/null 2>&1; }
if ! have_fmnist; then
  if [ -z "${BNREG_NO_APT:-}" ] && command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"; }
    if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
      say "installing Fashion-MNIST from Debian (dataset-fashion-mnist)"
      { $sudo apt-get install -y -q dataset-fashion-mnist || { $sudo apt-get update -q && $sudo apt-get install -y -q dataset-fashion-mnist; }; } >/dev/null 2>&1 \
        || say "apt-get could not install dataset-fashion-mnist"
    fi
  fi
  if ! have_fmnist; then
    say "downloading Fashion-MNIST with torchvision"
    .venv/bin/python -c 'from bnreg_nb.data import find_idx; print(find_idx("fashion-mnist"))' >&2 \
      || say "Fashion-MNIST is not available: see the message above for the ways to get it"
  fi
fi

[ $# -eq 0 ] && exit 0
export PATH="$PWD/.venv/bin:$PATH" VIRTUAL_ENV="$PWD/.venv"
exec "$@"
