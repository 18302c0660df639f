#!/usr/bin/env bash
# Runs the Argo CD health checks (docs/argocd/<group>/<Kind>/health.lua) under lua5.4 against every case
# of their health_test.yaml, through tests/QuantServe.Chart.Tests (which turns the YAML objects into Lua
# tables as Argo CD does). Installs lua5.4 when missing (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v lua5.4 >/dev/null || { apt-get update -qq && apt-get install -y -qq lua5.4; }
exec dotnet test tests/QuantServe.Chart.Tests/QuantServe.Chart.Tests.csproj -c "${CONFIG:-Release}" --nologo \
  --filter "FullyQualifiedName~QuantServe.Chart.Tests.ArgoCd"
