#!/usr/bin/env bash
# Debian packages congvu's tests and PDF rendering need. Safe to run again: it installs only what is missing.
#   poppler-utils  pdftotext/pdftoppm, to read back the PDFs we print
#   libpango*      WeasyPrint's text layout
#   gettext        msgfmt/xgettext, to compile and check the Vietnamese translations
#   chromium       browser tests (driven headless, never a downloaded browser)
set -euo pipefail

packages=(poppler-utils libpango-1.0-0 libpangoft2-1.0-0 gettext chromium fonts-noto-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
