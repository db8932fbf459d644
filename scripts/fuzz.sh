#!/usr/bin/env bash
# Runs every fuzz target of the project for a short time each (FUZZTIME,
# default 10s), beyond its committed seeds under PKG/testdata/fuzz/ (which
# plain `go test` already runs). A failure writes the crashing input under
# that package's testdata/fuzz/FuzzNAME/: commit it with the fix.
# Minimisation is off: the fuzzer's minimiser can lose its worker
# (golang/go#52569) and fail a short CI run on an input that passes.
# CI gives a count of inputs (FUZZTIME=10000x), not a duration: with a
# duration, Go before 1.27 can report the deadline it stops at as a
# failure, with no failing input (golang/go#75804).
#
#   FUZZTIME=5m scripts/fuzz.sh        # a longer run, once
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg=$(dirname "$file")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "== $pkg $target ($fuzztime)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 0 -parallel 2
  done
done
