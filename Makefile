# Vestibule: `make run` brings everything up locally; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PROTOS := $(shell find protos -name '*.proto')
export PYTHONPATH := $(CURDIR)/gen:$(CURDIR)

.PHONY: install generate migrate run sent audit-verify test lint deploy-check bench clean lock images

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

# Checks every service's audit hash chain (X2); without VESTIBULE_SECRET_KEY, with the key
# `make run` keeps in its data folder.
audit-verify: install
	@key_file="$${VESTIBULE_DATA_DIR:-.data}/secret.key"; \
	if [ -z "$${VESTIBULE_SECRET_KEY:-}" ] && [ -f "$$key_file" ]; then \
		VESTIBULE_SECRET_KEY="$$(cat "$$key_file")"; export VESTIBULE_SECRET_KEY; \
	fi; \
	$(BIN)/python -m services.common.audit_api verify

test: generate
	$(BIN)/python -m pytest -n 2

# The pages' catalogs (web/locale): every string of web/ extracted, each language's .po updated;
# then translate what is new (tests/unit/test_web_catalogs.py fails while one is missing).
translations: install
	$(BIN)/pybabel extract -F web/babel.cfg -k N_ --no-location --omit-header --sort-output \
		-o web/locale/messages.pot .
	$(BIN)/pybabel update -i web/locale/messages.pot -d web/locale --omit-header \
		--no-fuzzy-matching --ignore-obsolete

lint: generate
	$(BIN)/ruff check services gateway web deploy tests
	$(BIN)/buf lint

# The Kubernetes manifests and the collector config, rendered and checked offline (deploy/check.py).
deploy-check: install
	$(BIN)/python -m deploy.check

bench: generate
	$(BIN)/python -m tests.bench

# The images' locks, with hashes, from pyproject.toml (tests/unit/test_image.py fails when they
# drift): the runtime dependencies, and the build stage's tools held to the same grpcio and
# protobuf. Versions already locked are kept unless pyproject.toml moves them.
lock: install
	$(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
		-o requirements/runtime.lock
	$(BIN)/uv pip compile --group pyproject.toml:image-build -c requirements/runtime.lock \
		--universal --generate-hashes --python-version 3.11 -o requirements/image-build.lock

# One image per process from the one Dockerfile (needs a Docker engine).
images:
	for target in identity enrollment proxy notify gateway; do \
		docker build --target $$target -t vestibule/$$target . || exit 1; \
	done

clean:
	rm -rf $(VENV) gen .pytest_cache
