#!/usr/bin/env bash
# Runs the main job on its embedded default, on a fresh Debian 12 machine as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

go build -o intake ./cmd/intake
./intake demo "$@"
