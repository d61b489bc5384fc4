# Auction Desk — `make run` runs the desk with demo data; `make test` runs every test.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 5000
WORKERS ?= 2
# Threads per worker: the market's concurrent orders in one worker share one commit.
THREADS ?= 8
export FLASK_APP := wsgi.py

.PHONY: run test setup setup-dev translations extract-messages lock serve clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	@bash scripts/install_system_packages.sh --runtime
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The lock files pin the whole resolved set, so a fresh machine installs what the tests ran on.
$(VENV)/.runtime: requirements.txt requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt -c requirements.lock
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt -c requirements-dev.lock
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime translations
setup-dev: $(VENV)/.dev translations

# Compiles the catalogs when there are any (pybabel's -q goes before the command).
translations: $(VENV)/.runtime
	@if ls app/translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then $(BIN)/pybabel -q compile -d app/translations; fi

extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -N -i app/translations/messages.pot -d app/translations

## After a change to requirements*.txt: resolve the whole set again into the lock files (needs the
## package index). pip-compile keeps every pin that still fits, so only what the change asks moves.
LOCK_TOOLS := .venv-lock
LOCK := $(LOCK_TOOLS)/bin/pip-compile -q --strip-extras --allow-unsafe --no-header --no-emit-index-url \
	--no-emit-find-links --annotation-style=line
lock:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/pip install -q pip-tools==7.7.0
	$(LOCK) -o requirements.lock requirements.txt
	$(LOCK) -o requirements-dev.lock requirements-dev.txt

## The desk on SQLite with demo data at http://$(HOST):$(PORT), served by gunicorn, with the
## worker process beside it (scripts/run_desk.sh).
## The sandbox clock is on here: this is a rehearsal desk, not production.
run: setup
	$(BIN)/flask db upgrade
	@echo "Demo logins (role login password):"
	@SANDBOX_CLOCK=1 $(BIN)/flask demo seed
	@echo "Auction Desk: http://$(HOST):$(PORT)"
	SANDBOX_CLOCK=1 DESK_URL=http://$(HOST):$(PORT) bash scripts/run_desk.sh $(HOST) $(PORT) $(WORKERS) $(THREADS)

## Every test, on SQLite and on PostgreSQL (a throwaway cluster unless DATABASE_URL is given).
test: setup-dev
	bash scripts/test.sh

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) .pytest_cache .hypothesis
