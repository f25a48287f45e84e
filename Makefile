# chargemedic — the README's commands. Everything runs inside ./.venv, created on demand.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin

.PHONY: run test chaos bench bench-knowledge bench-intake bench-agent bench-chat bench-gateway eval eval-realworld lint corpus clean

## run: create .venv, install, ingest the bundled corpus (incremental), serve the API and the OCPP gateway
run: $(VENV)/.runtime
	$(BIN)/chargemedic ingest
	$(BIN)/chargemedic serve

## test: install dev extras and run the whole suite: every test but the chaos scenarios, then `make chaos`
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(PY) -m pytest -m "not chaos"
	$(MAKE) --no-print-directory chaos

## chaos: the chaos scenarios (tests/chaos): the LLM, the knowledge store, the database, chargers and
##        the ticketing webhook fail under the running service; nothing acknowledged is lost, nothing
##        is processed twice, nothing unsafe is sent (PostgreSQL scenarios skip without its binaries)
chaos: $(VENV)/.dev
	$(PY) -m pytest tests/chaos -m chaos

## bench: every benchmark below in turn, one table: evals/reports/BENCHMARKS.md + bench.json
##        (BENCH_ARGS="--only agent --include other.json": a subset, other measures merged in)
bench: $(VENV)/.dev
	$(PY) -m evals.bench_all $(BENCH_ARGS)

## bench-knowledge: retrieval quality (hybrid vs dense vs BM25), ingest throughput, search latency
bench-knowledge: $(VENV)/.dev
	$(PY) -m evals.bench

## bench-intake: events/s through real HTTP, then SIGKILL + restart (lost/duplicated must be 0)
bench-intake: $(VENV)/.dev
	$(PY) -m evals.bench_intake

## bench-agent: fault → decision latency with the playbook reasoner (p50/p95, in-process)
bench-agent: $(VENV)/.dev
	$(PY) -m evals.bench_agent

## bench-chat: offline chat answer latency (cold/warm) and grounding, time to first streamed token (LLM stub)
bench-chat: $(VENV)/.dev
	$(PY) -m evals.bench_chat

## bench-gateway: 1,000 simulated chargers on one OCPP gateway: connect time, memory, command p50/p95
bench-gateway: $(VENV)/.dev
	$(PY) -m evals.bench_gateway

## eval: the quality gates: retrieval on the labelled queries, the technician chat's offline
##       answers (evals/chat: sources, facts, whole procedures, off-topic questions), then the
##       recorded-fault cases (dev and holdout, playbook reasoner), then the real-world eval
##       (eval-realworld) — fails on any unsafe, missed-safety or crashed case or a rate below
##       evals/floors.yaml; reports in build/eval/
eval: $(VENV)/.dev
	$(PY) -m evals.retrieval --gate
	$(PY) -m evals.chat_eval --gate --json build/eval/chat.json
	$(BIN)/chargemedic ingest --json > /dev/null
	for set in dev holdout; do \
	  $(BIN)/chargemedic eval evals/cases/$$set.jsonl --reasoner playbook --floors evals/floors.yaml \
	    --json build/eval/$$set.json --report build/eval/$$set.md --html build/eval/$$set.html || exit 1; \
	done
	$(MAKE) --no-print-directory eval-realworld

## eval-realworld: the real-world corpus (evals/realworld/corpus) ingested once into a fresh store
##       (build/eval/realworld-store), then its case sets against it (dev, holdout, holdout2-12: each
##       run once blind, then development material — see evals/realworld/README.md), gated on the
##       floors sections realworld-<set>; skipped only when the cases folder is absent
REALWORLD := evals/realworld
eval-realworld: $(VENV)/.dev
	@if [ ! -d $(REALWORLD)/cases ]; then \
	  echo "eval-realworld: skipped — $(REALWORLD)/cases does not exist"; exit 0; fi; \
	set -e; rm -rf build/eval/realworld-store; mkdir -p build/eval; \
	echo "ingesting $(REALWORLD)/corpus into build/eval/realworld-store"; \
	env -u CHARGEMEDIC_CHROMA_URL $(BIN)/chargemedic ingest $(REALWORLD)/corpus \
	  --store build/eval/realworld-store --strict --json > build/eval/realworld-ingest.json; \
	failed=0; \
	for set in dev holdout holdout2 holdout3 holdout4 holdout5 holdout6 holdout7 holdout8 holdout9 holdout10 holdout11 holdout12; do \
	  echo "eval $(REALWORLD)/cases/$$set.jsonl"; \
	  $(BIN)/chargemedic eval $(REALWORLD)/cases/$$set.jsonl --store build/eval/realworld-store \
	    --reasoner playbook --floors evals/floors.yaml --floors-key realworld-$$set \
	    --json build/eval/realworld-$$set.json --report build/eval/realworld-$$set.md \
	    --html build/eval/realworld-$$set.html || failed=1; \
	done; \
	exit $$failed

## corpus: regenerate the bundled PDF manuals from their Markdown sources
corpus: $(VENV)/.dev
	$(PY) -m knowledge.render_manuals

lint: $(VENV)/.dev
	$(BIN)/ruff check .

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.runtime

clean:
	rm -rf $(VENV) data .pytest_cache
