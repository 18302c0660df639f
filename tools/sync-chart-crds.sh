#!/usr/bin/env bash
# Copies the generated CRDs (crds/*.yaml) into the Helm chart as templates, so the two never drift:
# each becomes templates/<kind>-customresourcedefinition.yaml behind crds.enabled, with the
# helm.sh/resource-policy: keep annotation behind crds.keep. Every line the script adds holds a
# template action, so the chart's template minus those lines is byte-for-byte the file in crds/
# (tests/QuantServe.Chart.Tests checks exactly that).
#   tools/sync-chart-crds.sh          rewrite the chart's CRD templates
#   tools/sync-chart-crds.sh --check  exit 1 when the chart is stale (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
src=crds
dest=charts/quantserve/templates
check=false
[ "${1:-}" = "--check" ] && check=true

render() { # $1: a CRD file
  if grep -q '{{' "$1"; then echo "$1: contains '{{', which Helm would read as a template action" >&2; exit 1; fi
  grep -q '^  annotations:$' "$1" || { echo "$1: no metadata.annotations block to add the keep policy to" >&2; exit 1; }
  echo '{{- if .Values.crds.enabled }}'
  awk '{ print } /^  annotations:$/ && !done { print "    {{ if .Values.crds.keep }}helm.sh/resource-policy: keep{{ end }}"; done = 1 }' "$1"
  echo '{{- end }}'
}

stale=0
expected=()
for crd in "$src"/*.yaml; do
  kind=$(awk '/^  names:$/ { names = 1; next } names && /^    kind: / { print tolower($2); exit }' "$crd")
  [ -n "$kind" ] || { echo "$crd: no spec.names.kind" >&2; exit 1; }
  target="$dest/$kind-customresourcedefinition.yaml"
  expected+=("$target")
  if $check; then
    if ! render "$crd" | cmp -s - "$target"; then echo "stale: $target (run tools/sync-chart-crds.sh)" >&2; stale=1; fi
  else
    render "$crd" > "$target"
    echo "wrote $target"
  fi
done
# A CRD removed from crds/ must leave the chart too.
for existing in "$dest"/*-customresourcedefinition.yaml; do
  [ -e "$existing" ] || continue
  if [[ ! " ${expected[*]} " == *" $existing "* ]]; then
    if $check; then echo "stale: $existing has no source in $src/" >&2; stale=1; else rm "$existing"; echo "removed $existing"; fi
  fi
done
exit $stale
