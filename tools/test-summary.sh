#!/usr/bin/env bash
# Sums the .trx results of every test project into one closing line: `N passed, N failed, N skipped`.
# usage: test-summary.sh RESULTS_DIR [EXPECTED_NAME...]
# Each expected project without a .trx (it crashed or never ran) counts as one failure, so a run
# that executed nothing can never look green.
set -euo pipefail
dir=${1:?usage: test-summary.sh RESULTS_DIR [EXPECTED_NAME...]}
shift
passed=0; failed=0; total=0
for name in "$@"; do
  if [ ! -f "$dir/$name.trx" ]; then
    echo "test-summary: $name produced no results ($dir/$name.trx is missing)" >&2
    failed=$((failed + 1))
  fi
done
shopt -s nullglob
for f in "$dir"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$f")
  total=$((total + $(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")))
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
skipped=$((total - passed - failed))
[ $skipped -ge 0 ] || skipped=0
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
