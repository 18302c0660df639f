#!/usr/bin/env bash
# Sums the .trx results of every test project into one closing line: `N passed, N failed, N skipped`.
# A run that produced no result file at all is a failure, not a silent success.
set -euo pipefail
dir=${1:?usage: test-summary.sh RESULTS_DIR}
shopt -s nullglob
files=("$dir"/*.trx)
if [ ${#files[@]} -eq 0 ]; then
  echo "test-summary: no .trx result in $dir: no test project ran" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
passed=0; failed=0; total=0
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f")
  t=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  fl=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  name=$(basename "$f")
  total=$((total + t)); passed=$((passed + p)); failed=$((failed + fl))
done
skipped=$((total - passed - failed))
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
