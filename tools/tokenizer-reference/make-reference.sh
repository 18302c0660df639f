#!/usr/bin/env bash
# Regenerates tests/QuantServe.Engine.Tests/Tokenization/Fixtures/reference-encodings.json: the ids,
# offsets and decoded text that Hugging Face's Rust `tokenizers` (0.22, bound by @anush008/tokenizers)
# gives on the real tokenizer files. Run after changing the corpus in make-reference.js.
set -euo pipefail
cd "$(dirname "$0")"
bash ../setup-test-deps.sh
npm install --no-audit --no-fund --silent
node make-reference.js ../../tests/QuantServe.Engine.Tests/Tokenization/Fixtures/reference-encodings.json
