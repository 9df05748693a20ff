#!/bin/sh
# Installs what the live-radio tests need: Debian's icecast2 (a real streaming server) and
# ffmpeg (the audio source pushed into it, and the decoder that checks captured audio).
# Idempotent: does nothing when both are present. Runs as root, or through sudo.
#   sh scripts/install-radio-test-deps.sh
set -eu

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=""
[ -x /usr/bin/icecast2 ] || missing="$missing icecast2"
command -v ffmpeg >/dev/null 2>&1 || missing="$missing ffmpeg"
[ -z "$missing" ] && exit 0

echo "Installing$missing for the radio tests..."
# icecast2 asks (through debconf) whether to set its passwords; answer "no" beforehand so
# nothing waits for a reply. The tests write their own configuration for each run.
echo "icecast2 icecast2/icecast-setup boolean false" | as_root debconf-set-selections
as_root apt-get update -qq
# shellcheck disable=SC2086  # $missing is a list of package names
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing >/dev/null

# The tests start their own server on a free port; the system service (port 8000) is not
# wanted. Where systemd runs, stop and disable it; elsewhere it was never started.
if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now icecast2 >/dev/null 2>&1 || true
fi
