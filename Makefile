# The few commands a newcomer needs. `make run` starts the whole product,
# `make test` runs the whole test suite; both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install browser lint format migrate bench clean

run: install
	mkdir -p var/celery/queue var/celery/processed var/media
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Open http://$${HOST:-127.0.0.1}:$${PORT:-8000}/ and log in with a demo login above."
	$(BIN)/honcho start --port $${PORT:-8000}

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium; Playwright never downloads one.
browser:
	@test -x /usr/bin/chromium || bash scripts/install-chromium

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/python manage.py migrate --noinput

clean:
	rm -rf $(VENV) var staticfiles
