# Mesh-Trace — every target installs what it needs first, so a fresh machine needs only `make run`
# or `make test`. The targets mirror the package scripts.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PNPM_VERSION := $(shell node -p "require('./package.json').packageManager.split('@')[1]")
PNPM := pnpm

.PHONY: help install build docs run test test-unit test-int bench stack-up stack-down lint format clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

install: ## install pnpm (pinned in package.json) and the workspace dependencies
	@command -v pnpm >/dev/null && [ "$$(pnpm --version)" = "$(PNPM_VERSION)" ] || npm install -g --no-fund --no-audit pnpm@$(PNPM_VERSION)
	$(PNPM) install --frozen-lockfile

build: install ## compile every package and service (tsc -b), then bundle the web UI (vite)
	$(PNPM) exec tsc -b
	$(PNPM) --filter @mesh-trace/ui build

docs: build ## regenerate docs/openapi/*.json and docs/configuration.md from the zod schemas
	node scripts/gen-openapi.mjs
	node scripts/gen-config-docs.mjs

run: build ## start the all-in-one on :4000 (query) and :4001 (ingest) with embedded defaults
	node services/all-in-one/dist/main.js

stack-up: build ## start the dev stack: Kafka (KRaft), Redis, embedded ClickHouse
	deploy/stack/up.sh

stack-down: ## stop what stack-up started
	deploy/stack/down.sh

test: build ## start the stack, run every suite, stop the stack; last line: N passed, N failed
	@scripts/ensure-compose.sh >/dev/null
	@scripts/ensure-chromium.sh
	@deploy/stack/up.sh; status=0; node scripts/run-tests.mjs --no-summary || status=$$?; deploy/stack/down.sh >/dev/null || true; \
	  node scripts/run-tests.mjs --summary || status=1; exit $$status

test-unit: build ## unit tests only (no stack needed)
	@scripts/ensure-compose.sh >/dev/null
	node scripts/run-tests.mjs --project unit

bench: build ## run the benchmarks against the dev stack
	@deploy/stack/up.sh; status=0; node scripts/bench.mjs || status=$$?; deploy/stack/down.sh >/dev/null || true; exit $$status

lint: install ## biome (lint + format check) and the type check
	$(PNPM) exec biome check .
	$(PNPM) exec tsc -b

format: install
	$(PNPM) exec biome check --write .

clean:
	rm -rf packages/*/dist services/*/dist packages/*/tsconfig.tsbuildinfo services/*/tsconfig.tsbuildinfo .test-results
