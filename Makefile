# The two commands a newcomer needs: `make run` and `make test`.
# Both work on a machine that has only Python 3.11+.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Development defaults; production sets its own environment (see README, "Deploying").
export DEBUG ?= 1

.PHONY: run test setup lint

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# A development checkout's settings, so that `.venv/bin/python manage.py …` works without
# remembering DEBUG=1. Written once, never overwritten; production has no .env.
.env:
	@printf '# Development settings for this checkout (written by make; production has none).\nDEBUG=1\n' > $@
	@echo "Wrote .env (DEBUG=1): manage.py commands in this checkout run in development mode."

setup: $(VENV)/.installed .env
	$(BIN)/python manage.py migrate --noinput

run: setup
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)
	$(BIN)/python manage.py setup_schedules
	@# The web server and one worker together; Ctrl-C stops both.
	@echo "Starting the worker (qcluster) and the web server on http://$(HOST):$(PORT)/ (PORT=… to change)."
	@export DEMO_BASE_URL=http://$(HOST):$(PORT) SITE_URL=http://$(HOST):$(PORT); \
	$(BIN)/python manage.py qcluster & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
