# The two commands a newcomer needs (see README.md): `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
KIOSK := $(VENV)/bin/kiosk
DEMO_DIR ?= var/demo

.PHONY: setup system-deps demo test screenshots staff-screenshots bench clean

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
