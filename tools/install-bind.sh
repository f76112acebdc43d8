#!/bin/sh
# Install BIND 9 (the Debian package) for the dns_record integration tests.
# Idempotent: does nothing when `named` is already on the PATH.
set -eu

if command -v named >/dev/null 2>&1; then
    echo "install-bind: $(named -v) already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-bind: named is missing and apt-get is not available; install BIND 9 by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends bind9 bind9-utils
# The tests start their own named in the foreground; the packaged service is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet named 2>/dev/null; then
    $SUDO systemctl stop named || true
    $SUDO systemctl disable named || true
fi
echo "install-bind: $(named -v) installed"
