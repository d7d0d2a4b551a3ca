# Two commands do all the set-up on a fresh machine:
#   make app   - virtual environment, install, review UI on the bundled samples
#   make test  - the same plus dev extras and a headless Chromium, then every test
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: app test lint samples bench browser redis clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[app,dev,redis]"
	rm -f $(VENV)/.installed-* && touch $@

# Debian's redis-server for the shared-archive tests (tests/conftest.py starts one per session).
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
		SUDO=$$(command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# Debian's Chromium for the end-to-end browser test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$(command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

app: $(STAMP)
	$(VENV)/bin/streamlit run app_streamlit.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) browser redis lint
	$(PY) -m pytest -q

samples: $(STAMP)
	$(PY) scripts/make_samples.py

bench: $(STAMP)
	$(PY) benchmarks/bench_detect.py --sizes 1000 5000 10000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
