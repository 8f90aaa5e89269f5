#!/usr/bin/env bash
# Browser tests use Debian's chromium; install it when missing and we can (root with apt-get).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
else
  echo "chromium is not installed and cannot be installed here (needs root and apt-get);" \
       "the browser tests will fail. Install Debian's 'chromium' package." >&2
fi
