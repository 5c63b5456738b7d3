# Two commands on a fresh machine: `make demo` and `make test`. Everything else is set up here.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced

.DEFAULT_GOAL := help
.PHONY: help env demo test lint format clean browser

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Bytecode is compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on our CI
# machines) Python would otherwise compile every module it imports, in every process, each
# time: about 4 s of CPU for each `gazette run` and for each Prefect server it starts.
$(STAMP): pyproject.toml uv.lock | $(UV)
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --compile-bytecode
	@touch $@

env: $(STAMP) ## Build .venv from uv.lock (the demo and tests do this themselves)

demo: $(STAMP) ## Run the whole pipeline on the bundled demo news site (./data)
	$(VENV)/bin/python -m compileall -q flows transforms warehouse expectations
	$(VENV)/bin/gazette demo

browser: ## Install Debian's chromium (Data Docs browser test) when missing and possible
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the Data Docs browser test..."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; } \
	  || echo "chromium could not be installed: the browser test will be skipped"; }

test: $(STAMP) browser ## Lint, then run the test suite (offline, a few minutes)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m compileall -q flows transforms warehouse expectations tests
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## Remove the environment and ./data
	rm -rf $(VENV) $(TOOLS) data
