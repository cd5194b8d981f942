# The README's two commands. Both install what they need, start the local services
# they need (unless already running) and stop on exit what they started.
.PHONY: run test unit lint install

run:
	scripts/with-services.sh -m triggers.cli up

test:
	scripts/platform.sh install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	scripts/with-services.sh -m pytest

# Unit tests only: no services, no installs beyond the venv.
unit:
	.venv/bin/python -m pytest tests/unit

install:
	scripts/platform.sh install

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
