#!/usr/bin/env bash
# The Debian packages the test command needs: a PostgreSQL server for the second run, Chromium
# for the browser tests (never a downloaded browser), fonts with Kazakh letters, make and venv,
# the Pango/HarfBuzz libraries WeasyPrint loads to print PDFs, and poppler-utils (pdftotext,
# pdffonts) that the PDF tests read documents back with.
# Idempotent: installs only what is missing. As root it runs apt-get; otherwise it names the
# packages to install and fails.
set -euo pipefail

missing=()

has_package() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

has_postgres_server() {
    [[ -n "${PG_BINDIR:-}" && -x "${PG_BINDIR}/initdb" ]] && return 0
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

command -v make >/dev/null 2>&1 || missing+=(make)
# Debian's python3 has no ensurepip until python3-venv is installed, so `python3 -m venv` fails.
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
# WeasyPrint (PDF certificates and registers) loads these through cffi at run time.
for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1; do
    has_package "$package" || missing+=("$package")
done
# `--runtime`: only what running the desk needs (make run); the tests need the rest too.
if [[ "${1:-}" != "--runtime" ]]; then
    has_postgres_server || missing+=(postgresql)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    has_package fonts-dejavu-core || missing+=(fonts-dejavu-core)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fi

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
