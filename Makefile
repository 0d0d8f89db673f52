# Vestibule: `make run` brings everything up locally; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PROTOS := $(shell find protos -name '*.proto')
export PYTHONPATH := $(CURDIR)/gen:$(CURDIR)

.PHONY: install generate migrate run sent test lint bench clean

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet '.[dev]'
	@touch $@

# Generated code is never committed and never edited: it is made here from protos/.
generate: gen/.generated
gen/.generated: $(PROTOS) $(VENV)/.installed
	rm -rf gen && mkdir -p gen
	$(BIN)/python -m grpc_tools.protoc -Iprotos \
		--python_out=gen --grpc_python_out=gen \
		--plugin=protoc-gen-mypy=$(BIN)/protoc-gen-mypy --mypy_out=gen \
		--plugin=protoc-gen-mypy_grpc=$(BIN)/protoc-gen-mypy_grpc --mypy_grpc_out=gen \
		$(PROTOS)
	@touch $@

migrate: generate
	$(BIN)/python -m services.common.migrate

run: generate
	$(BIN)/python -m deploy.local.run

# What the local mail and SMS sinks of `make run` received, newest first.
sent: install
	$(BIN)/python -m deploy.local.mailsink list

test: generate
	$(BIN)/python -m pytest -n 2

lint: generate
	$(BIN)/ruff check services gateway deploy tests
	$(BIN)/buf lint

bench: generate
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) gen .pytest_cache
