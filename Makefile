# atlasgraph: the two commands a new machine needs are `make run` and
# `make test`; everything else is here for day-to-day work.
#
# The local Neo4j (Community 5.26, from Maven Central, no Docker) is managed
# by scripts/neo4j.sh; its settings reach Go through NEO4J_* variables that
# the recipes below take from `scripts/neo4j.sh start`. `make test` uses a
# separate test instance (scripts/neo4j.sh --test), never the one `make run`
# serves.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
BIN := bin/atlasgraph
# A release file or URL to load; empty means the newest upstream release.
ATLAS ?=
ADDR ?= 127.0.0.1:8080
NEO4J := scripts/neo4j.sh
# Pinned; `go run` fetches it once into the module cache.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Loads the local Neo4j's settings into the recipe's shell, or stops the
# recipe with the script's reason when Neo4j does not start.
WITH_NEO4J := neo4j_env=$$($(NEO4J) start) || { echo "make: the local Neo4j did not start; the reason is above" >&2; exit 1; }; eval "$$neo4j_env";

.PHONY: help
help: ## list the targets
	@grep -E '^[A-Za-z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# The version, revision and date stamped into the binary (a build with
# -buildvcs=false, as in many CI set-ups, has no VCS stamp of its own).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.revision=$(REVISION) -X main.buildDate=$(BUILD_DATE)

.PHONY: build
build: ## build bin/atlasgraph
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/atlasgraph

.PHONY: neo4j
neo4j: ## start the local Neo4j (idempotent) and print its settings
	@$(NEO4J) start

.PHONY: neo4j-stop
neo4j-stop: ## stop the local Neo4j (data is kept)
	@$(NEO4J) stop

.PHONY: neo4j-status
neo4j-status: ## say whether the local Neo4j and the test Neo4j run
	@echo -n "local: "; $(NEO4J) status || true
	@echo -n "test:  "; $(NEO4J) --test status || true

.PHONY: neo4j-test-stop
neo4j-test-stop: ## stop the test Neo4j that `go test` started (make test stops its own)
	@$(NEO4J) --test stop

.PHONY: load
load: build ## load ATLAS (newest upstream, or ATLAS=file-or-url, or ATLAS="--release embedded") into the local Neo4j
	@$(WITH_NEO4J) ./$(BIN) load $(ATLAS)

.PHONY: run
run: build ## start Neo4j, load ATLAS (ATLAS=file-or-url to choose) and serve GraphQL on ADDR
	@$(WITH_NEO4J) ./$(BIN) load $(ATLAS) && exec ./$(BIN) serve --addr $(ADDR)

# The test Neo4j is started before `go test` so that a failure to start
# stops here with its reason; the tests then find it running. It is stopped
# afterwards if this target started it. NEO4J_* and ATLASGRAPH_NEO4J_* are
# removed from the tests' environment (the tests ignore them anyway).
.PHONY: test
test: ## run every test against a Neo4j of its own (never make run's), after gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@scripts/chromium.sh >/dev/null || { echo "make test: the web UI tests need chromium; scripts/chromium.sh could not install it (reason above)" >&2; exit 1; }
	@if ! $(NEO4J) --test status >/dev/null 2>&1; then trap '$(NEO4J) --test stop >/dev/null 2>&1 || true' EXIT; fi; \
	$(NEO4J) --test start >/dev/null || { echo "make test: the test Neo4j did not start, so no test ran; the reason is above" >&2; exit 1; }; \
	for v in $${!NEO4J_*} $${!ATLASGRAPH_NEO4J_*}; do unset "$$v"; done; \
	$(GO) test -p 1 -count=1 -timeout 30m ./...

.PHONY: staticcheck
staticcheck: ## run staticcheck (pinned version) on every package
	$(GO) run $(STATICCHECK) ./...

.PHONY: generate-check
generate-check: ## fail if `go generate ./...` changes any file
	$(GO) generate ./...
	@git diff --exit-code || { echo "generated code is stale: run go generate ./... and commit"; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all)" || { git status --short; echo "go generate made new files: commit them"; exit 1; }

.PHONY: embed-release
embed-release: ## embed a newer release as the offline default: make embed-release FILE=ATLAS-2026.06.yaml
	@test -n "$(FILE)" || { echo "give the release file: make embed-release FILE=path/to/ATLAS-VERSION.yaml" >&2; exit 2; }
	scripts/embed-release.sh "$(FILE)"

.PHONY: fuzz
fuzz: ## fuzz the release parser and the GraphQL limits, each for FUZZTIME (default 60s)
	$(GO) test ./loader -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./server -run '^$$' -fuzz FuzzLimits -fuzztime $${FUZZTIME:-60s}

.PHONY: bench-load
bench-load: ## time the batched load against a naive loader, side by side
	@$(WITH_NEO4J) $(GO) run ./bench/load

.PHONY: bench-advice
bench-advice: ## score threat-model advice on the ATLAS case-study models of bench/advice (no Neo4j)
	$(GO) run ./bench/advice

.PHONY: clean
clean: ## remove build output (the Neo4j folder .neo4j stays; scripts/neo4j.sh wipe empties it)
	rm -rf bin
