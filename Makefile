# chargemedic — the README's commands. Everything runs inside ./.venv, created on demand.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin

.PHONY: run test bench bench-intake bench-agent bench-gateway eval lint corpus clean

## run: create .venv, install, ingest the bundled corpus (incremental), serve the API and the OCPP gateway
run: $(VENV)/.runtime
	$(BIN)/chargemedic ingest
	$(BIN)/chargemedic serve

## test: install dev extras and run the whole suite
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(PY) -m pytest

## bench: retrieval quality (hybrid vs dense vs BM25), ingest throughput, search latency
bench: $(VENV)/.dev
	$(PY) -m evals.bench

## bench-intake: events/s through real HTTP, then SIGKILL + restart (lost/duplicated must be 0)
bench-intake: $(VENV)/.dev
	$(PY) -m evals.bench_intake

## bench-agent: fault → decision latency with the playbook reasoner (p50/p95, in-process)
bench-agent: $(VENV)/.dev
	$(PY) -m evals.bench_agent

## bench-gateway: 1,000 simulated chargers on one OCPP gateway: connect time, memory, command p50/p95
bench-gateway: $(VENV)/.dev
	$(PY) -m evals.bench_gateway

## eval: score retrieval on the labelled query set and fail below the quality gate
eval: $(VENV)/.dev
	$(PY) -m evals.retrieval --gate

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
