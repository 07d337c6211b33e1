#!/usr/bin/env bash
# Install everything returns needs on a fresh Debian machine; quick when already done.
#   - Debian packages: Tesseract (OCR), LibreOffice Writer (legacy .doc/.rtf),
#     Ghostscript + poppler (PDF tools), Dovecot (the live IMAP tests), Chromium (UI checks),
#     PostgreSQL (the tests start a private cluster with its initdb/pg_ctl; installed only
#     when no PostgreSQL binaries are there: any installed major version will do)
#   - a virtualenv in .venv: exactly the versions (and hashes) of requirements.lock, then
#     the project itself (editable, no dependencies of its own)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(tesseract-ocr tesseract-ocr-eng libreoffice-writer-nogui ghostscript poppler-utils
              dovecot-imapd qpdf chromium)
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  APT_PACKAGES+=(postgresql)
fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages from requirements.lock (about a minute the first time)"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi
