# The two commands: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# The real OpenID provider the SSO tests start (node-oidc-provider, pinned by its package-lock.json).
OIDC_STAMP := tests/oidc/node_modules/.installed

.PHONY: run test coverage lint format bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements/lock.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements/lock.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): $(STAMP) requirements/dev-lock.txt
	$(BIN)/pip install --quiet -r requirements/dev-lock.txt
	touch $@

run: $(STAMP)
	$(BIN)/mvidarr serve

test: $(DEV_STAMP) $(OIDC_STAMP)
	$(BIN)/python scripts/test.py

# Branch coverage of src/ on the SQLite leg (config in pyproject.toml: [tool.coverage.*]); the report
# is printed, the HTML one lands in build/coverage/html. Extra pytest arguments: make coverage ARGS=...
# The data file's path is absolute so that processes the tests start in other folders write beside it.
COVERAGE_DATA := $(CURDIR)/build/coverage/.coverage
coverage: $(DEV_STAMP) $(OIDC_STAMP)
	rm -rf build/coverage
	scratch=$$(mktemp -d -t mvidarr-coverage-XXXXXX); \
	MVIDARR_TEST_DATABASE=sqlite $(BIN)/coverage run --data-file=$(COVERAGE_DATA) -m pytest -p no:cacheprovider \
		--basetemp=$$scratch/sqlite $(ARGS); \
	status=$$?; rm -rf $$scratch; \
	$(BIN)/coverage combine --quiet --data-file=$(COVERAGE_DATA) && $(BIN)/coverage report --data-file=$(COVERAGE_DATA) \
		&& $(BIN)/coverage html --quiet --data-file=$(COVERAGE_DATA); \
	exit $$status

$(OIDC_STAMP): tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the SSO tests against a real OpenID provider will skip (under CI=true they fail)"; \
	fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.readme

# Refreshes the pictures in docs/screenshots from the browser walk over every page.
screenshots: $(DEV_STAMP)
	MVIDARR_REFRESH_SCREENSHOTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/web/test_browser.py::test_screenshots_of_every_page_light_and_dark

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
