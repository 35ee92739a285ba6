#!/usr/bin/env bash
# Everything `xinyong serve` needs on a bare Debian machine: the CJK font embedded in credit report PDFs
# and a virtual environment with the platform installed. Without the font the platform runs and a report
# download says, in Chinese, which package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing fonts-noto-cjk (credit report PDFs)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-cjk >/dev/null; } \
    || echo "warning: fonts-noto-cjk could not be installed; credit report downloads will name it" >&2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
