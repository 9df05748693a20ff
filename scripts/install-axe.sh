#!/bin/sh
# axe-core, the accessibility checker the browser tests run in each page
# (tests/test_a11y.py injects its axe.min.js; the site never serves it). Installed with
# npm into .venv/axe, which git ignores, and only when that version is not there yet.
set -eu
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1
AXE_DIR=.venv/axe
installed=$(cat "$AXE_DIR/node_modules/axe-core/package.json" 2>/dev/null | sed -n 's/^ *"version": "\(.*\)",$/\1/p')
[ "$installed" = "$AXE_VERSION" ] && exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v npm >/dev/null 2>&1; then
    echo "Installing npm for axe-core..."
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq npm >/dev/null
fi
mkdir -p "$AXE_DIR"
npm install --prefix "$AXE_DIR" --no-save --no-package-lock --no-audit --no-fund --silent \
    "axe-core@$AXE_VERSION"
