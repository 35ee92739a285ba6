#!/usr/bin/env bash
# Everything the test suite needs on a bare Debian machine: Chromium and a CJK font for the
# browser tests, the PostgreSQL client tools, a virtual environment with the test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
command -v pg_isready >/dev/null 2>&1 || need_apt+=(postgresql-client)
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)  # reads credit report PDFs in tests
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test]"

if ! pg_isready -h 127.0.0.1 -p 5432 -t 10 >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL does not answer on 127.0.0.1:5432: under CI the storage tests must run on it." >&2
    exit 1
  fi
  echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; its test cases will be skipped." >&2
fi
