#!/usr/bin/env bash
# The quality table (issue 5): held-out perplexity of the bundled model unquantized, with RTN and GPTQ
# at several bit widths and group sizes, and with every load-time scheme; plus the time and peak
# memory of `quantize`. Writes out/bench/quality.md. usage: tools/bench-quality.sh [MODEL_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/bundled-kjv-llama}
heldout=$model/heldout.txt
# Calibration text must not be the held-out text: the training tool writes its training split to
# out/train-bundled-model/train.txt (tools/train-bundled-model/README.md).
train=${CALIBRATION:-out/train-bundled-model/train.txt}
[ -f "$train" ] || { echo "bench-quality: no calibration text at '$train'; set CALIBRATION to the training split (see tools/train-bundled-model/README.md)" >&2; exit 2; }
q=out/bin/quantserve
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seqlen=${SEQLEN:-256}
report=out/bench/quality.md
mkdir -p out/bench

ppl() { "$q" evaluate --model-id "$1" --dataset "$heldout" --seqlen "$seqlen" --json "${@:2}" | sed -E 's/.*"perplexity": *([-+0-9.eE]+).*/\1/'; }

base=$(ppl "$model")
{
  echo "# Quality table: $model, held-out perplexity (seqlen $seqlen)"
  echo
  echo "Command: \`CALIBRATION=$train tools/bench-quality.sh $model\` ($(date -u '+%Y-%m-%d %H:%M') UTC);"
  echo "model.safetensors sha256 $(sha256sum "$model/model.safetensors" | cut -c1-16)...; calibration: 128 windows of $seqlen tokens, seed 1."
  echo
  echo "| config | RTN | GPTQ | GPTQ vs bf16 | quantize time (GPTQ) | peak memory (GPTQ) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  printf '| bf16 (as stored) | %.3f | %.3f | | | |\n' "$base" "$base"
} > "$report"

run() { # name bits groupsize extra-args...
  local name=$1 bits=$2 group=$3; shift 3
  local rtn gptq summary
  "$q" quantize "$model" "$work/rtn-$name" --method rtn --bits "$bits" --groupsize "$group" --dataset "$train" --seqlen "$seqlen" --seed 1 --json-output "$@" > /dev/null
  rtn=$(ppl "$work/rtn-$name")
  summary=$("$q" quantize "$model" "$work/gptq-$name" --method gptq --bits "$bits" --groupsize "$group" --dataset "$train" --seqlen "$seqlen" --seed 1 --json-output "$@" | tail -1)
  gptq=$(ppl "$work/gptq-$name")
  local seconds mem
  seconds=$(sed -E 's/.*"seconds": *([0-9.]+).*/\1/' <<<"$summary")
  mem=$(sed -E 's/.*"peak_memory_bytes": *([0-9]+).*/\1/' <<<"$summary")
  awk -v n="$name" -v r="$rtn" -v g="$gptq" -v b="$base" -v s="$seconds" -v m="$mem" \
    'BEGIN { printf "| %s | %.3f | %.3f | %+.2f%% | %.1f s | %.0f MB |\n", n, r, g, (g / b - 1) * 100, s, m / 1e6 }' >> "$report"
  rm -rf "$work/rtn-$name" "$work/gptq-$name"
}

run "4-bit g128" 4 128
run "3-bit g128" 3 128
run "4-bit per-channel" 4 -1
run "2-bit g64" 2 64
run "8-bit g128" 8 128
run "4-bit g128 act-order" 4 128 --act-order

{
  echo
  echo "| load-time scheme | perplexity | vs bf16 |"
  echo "| --- | --- | --- |"
} >> "$report"
for scheme in bitsandbytes bitsandbytes-nf4 bitsandbytes-fp4 eetq fp8; do
  p=$(ppl "$model" --quantize "$scheme")
  awk -v n="$scheme" -v p="$p" -v b="$base" 'BEGIN { printf "| %s | %.3f | %+.2f%% |\n", n, p, (p / b - 1) * 100 }' >> "$report"
done
cat "$report"
