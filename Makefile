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

# The back office with demo staff, ~60 demo complaints and a year of demo ratings and complaints for the
# dashboards, on http://127.0.0.1:8080 (a fresh database each time). Served over plain http to this
# machine only, hence the cookie without Secure (as `kiosk central demo --serve` does).
DEMO_CENTRAL_DIR ?= var/demo-central
DEMO_CENTRAL_DB = sqlite:///$(abspath $(DEMO_CENTRAL_DIR))/central.db
demo-central: setup
	rm -rf $(DEMO_CENTRAL_DIR)
	mkdir -p $(DEMO_CENTRAL_DIR)
	$(KIOSK) central demo --db $(DEMO_CENTRAL_DB)
	$(KIOSK) central demo-data --db $(DEMO_CENTRAL_DB)
	@echo "Serving http://127.0.0.1:8080/staff/sign-in (Ctrl+C stops it)"
	IPLIK_CENTRAL_COOKIE_SECURE=false IPLIK_CENTRAL_PUBLIC_URL=http://127.0.0.1:8080 \
		$(KIOSK) central serve --db $(DEMO_CENTRAL_DB) --host 127.0.0.1 --port 8080

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
