#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, once: quiet when they
# are already there. Sourced by demo.sh and test.sh; run as root.
set -euo pipefail

packages=(
  # OCR: Tesseract with English data, and the headers gosseract builds against
  tesseract-ocr tesseract-ocr-eng libtesseract-dev libleptonica-dev
  # fax and scan tooling used by the corpus generator and the tests
  ghostscript libtiff-tools poppler-utils
  # handwriting-style fonts for hand-printed corpus fills, plus plain ones
  fonts-dkg-handwriting fonts-breip fonts-humor-sans
  fonts-dejavu-core fonts-liberation
  # storage, mailbox and browser for the pipeline, intake and review UI tests
  postgresql dovecot-imapd chromium
  # build
  gcc pkg-config git ca-certificates
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: packages are missing and this is not root; run as root or install them: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts these as system services on install; the project runs its
  # own private instances instead.
  systemctl disable --now postgresql dovecot >/dev/null 2>&1 || true
fi

# Go: the toolchain at /usr/local/go (Debian 12's golang package is too old).
if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "deps.sh: Go 1.26 or newer is needed at /usr/local/go (https://go.dev/dl)" >&2
    exit 1
  fi
fi
export PATH="$(go env GOPATH)/bin:$PATH"
# PostgreSQL's server binaries (initdb, postgres, pg_ctl) for the private instance.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] && export PATH="$PATH:$pgbin"
# Tesseract is fastest here with one thread per process; the engine runs pages in parallel.
export OMP_THREAD_LIMIT=1
