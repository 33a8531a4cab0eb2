# The two commands a newcomer needs: `make demo` and `make test`. Each sets itself up.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

# pytest exits 5 when it collected no tests: that is a failure here, never a silent pass.
define pytest
	$(BIN)/pytest $(1) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc
endef

.PHONY: demo test test-postgres test-browser bench lint setup messages clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) messages

# Compiled gettext catalogues are build output: made from the .po files in the repo.
messages: $(STAMP)
	$(BIN)/python -m ewtp.web.compile_messages

demo: setup
	$(BIN)/ewtp demo

test: setup
	$(call pytest,-m "not browser" -n 2)

test-postgres: setup
	export EWTP_DATABASE_URL=$${EWTP_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}; \
	$(call pytest,-m "not browser" -n 2)

test-browser: setup
	$(call pytest,-m browser)

bench: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check ewtp tests benchmarks

clean:
	rm -rf $(VENV) var/*.sqlite3*
