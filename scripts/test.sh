#!/usr/bin/env bash
# Runs every check and test the project has, on a fresh Debian 12 machine as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
echo "== go vet"
go vet ./...
echo "== go test"
go test -count=1 -timeout 25m ./...
FUZZTIME=10000x ./scripts/fuzz.sh
