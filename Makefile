# atlasgraph: the two commands a new machine needs are `make run` and
# `make test`; everything else is here for day-to-day work.
#
# The local Neo4j (Community 5.26, from Maven Central, no Docker) is managed
# by scripts/neo4j.sh; its settings reach Go through NEO4J_* variables that
# the recipes below take from `scripts/neo4j.sh start`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
BIN := bin/atlasgraph
# A release file or URL to load; empty means the newest upstream release.
ATLAS ?=
ADDR ?= 127.0.0.1:8080
NEO4J := scripts/neo4j.sh
# Loads the local Neo4j's settings into the recipe's shell.
WITH_NEO4J := eval "$$($(NEO4J) start)";

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/atlasgraph
	$(GO) build -o $(BIN) ./cmd/atlasgraph

.PHONY: neo4j
neo4j: ## start the local Neo4j (idempotent) and print its settings
	@$(NEO4J) start

.PHONY: neo4j-stop
neo4j-stop: ## stop the local Neo4j (data is kept)
	@$(NEO4J) stop

.PHONY: load
load: build ## load ATLAS (newest upstream, or ATLAS=file-or-url) into the local Neo4j
	@$(WITH_NEO4J) ./$(BIN) load $(ATLAS)

.PHONY: run
run: build ## start Neo4j, load ATLAS (ATLAS=file-or-url to choose) and serve GraphQL on ADDR
	@$(WITH_NEO4J) ./$(BIN) load $(ATLAS) && exec ./$(BIN) serve --addr $(ADDR)

.PHONY: test
test: ## start the local Neo4j and run every test against it (vet and format first)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@$(WITH_NEO4J) $(GO) test -p 1 -count=1 ./...

.PHONY: generate-check
generate-check: ## fail if `go generate ./...` changes any file
	$(GO) generate ./...
	@git diff --exit-code || { echo "generated code is stale: run go generate ./... and commit"; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all)" || { git status --short; echo "go generate made new files: commit them"; exit 1; }

.PHONY: fuzz
fuzz: ## fuzz the release parser and the GraphQL limits, each for FUZZTIME (default 60s)
	$(GO) test ./loader -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./server -run '^$$' -fuzz FuzzLimits -fuzztime $${FUZZTIME:-60s}

.PHONY: bench-load
bench-load: ## time the batched load against a naive loader, side by side
	@$(WITH_NEO4J) $(GO) run ./bench/load

.PHONY: clean
clean: ## remove build output (the Neo4j folder .neo4j stays; scripts/neo4j.sh wipe empties it)
	rm -rf bin
