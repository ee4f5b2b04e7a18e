# The two commands a newcomer needs (see README.md): `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
KIOSK := $(VENV)/bin/kiosk
DEMO_DIR ?= var/demo

.PHONY: setup system-deps demo demo-central test screenshots staff-screenshots bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[ui,server,dev]"
	touch $@

setup: $(VENV)/.installed

system-deps:
	bash deploy/dev-system-deps.sh

demo: setup
	$(KIOSK) --data-dir $(DEMO_DIR) init --demo
	$(KIOSK) --data-dir $(DEMO_DIR) run --windowed

# The back office with demo staff and ~60 demo complaints, on http://127.0.0.1:8080 (a fresh database each time).
DEMO_CENTRAL_DIR ?= var/demo-central
demo-central: setup
	rm -rf $(DEMO_CENTRAL_DIR)
	mkdir -p $(DEMO_CENTRAL_DIR)
	$(KIOSK) central demo --db sqlite:///$(abspath $(DEMO_CENTRAL_DIR))/central.db --serve --host 127.0.0.1 --port 8080

test: setup system-deps
	$(PY) -m pytest

screenshots: setup
	$(PY) -m kiosk.ui.screenshots --out out/screens

# Every staff and public page of the central server, 1366x768 and 390x844, id and en (needs chromium).
staff-screenshots: setup system-deps
	$(PY) -m kiosk.central.web.screenshots --out out/staff-screens

bench: setup
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var out .pytest_cache
