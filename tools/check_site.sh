#!/usr/bin/env bash
# Build the documentation site offline and check it in a real browser, on a fresh machine or this one:
#
#   bash tools/check_site.sh [--pages 03_fixup,index]     # flags go to tools/check_site.py
#
# 1. installs what is missing: Debian's chromium, npm (Node.js, which typesets the math with KaTeX), and the
#    pinned Playwright (constraints.txt) into .venv;
# 2. builds _docs/ from the notebooks' saved outputs (tools/build_site.py; no notebook is executed);
# 3. opens every page in headless Chromium (tools/check_site.py); screenshots go to _docs/_screenshots/.
# Exits non-zero when anything fails. .ci/run calls it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '\033[1m[check_site]\033[0m %s\n' "$*" >&2; }
t0=$(date +%s)

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"
    else say "apt-get install $* needs root: install it, then run this again"; return 1; fi
  fi
  $sudo apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q "$@" >/dev/null; } \
    || { say "apt-get could not install $*"; return 1; }
}
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  say "installing chromium (Debian)"; apt_install chromium
fi
if ! command -v npm >/dev/null 2>&1; then say "installing npm (Debian), for KaTeX"; apt_install npm; fi

[ -x .venv/bin/python ] || bash bootstrap.sh true                     # .ci/run has already run it
export PATH="$PWD/.venv/bin:$PATH"
if ! .venv/bin/python -c 'import playwright' 2>/dev/null; then
  pin=$(grep -E '^playwright==' constraints.txt || echo playwright)
  say "installing $pin into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt "$pin" 2>&1 \
    | grep -v "^WARNING: Location .* is ignored" || true
  .venv/bin/python -c 'import playwright' || { say "Playwright did not install: see pip's messages above"; exit 1; }
fi
t1=$(date +%s)
say "tools ready after $((t1 - t0)) s; building the site"
.venv/bin/python tools/build_site.py
t2=$(date +%s)
say "built in $((t2 - t1)) s; checking it in Chromium"
.venv/bin/python tools/check_site.py --self-test                       # the check's own rules, on made-up inputs
.venv/bin/python tools/check_site.py "$@"
say "checked in $(( $(date +%s) - t2 )) s ($(( $(date +%s) - t0 )) s in all)"
