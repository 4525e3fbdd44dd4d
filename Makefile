# The two commands of the README. Both install what they need first (scripts/setup).
.PHONY: run test test-fast setup

run:
	scripts/run

test:
	scripts/test

# The fast tier: no ffmpeg clips, live instances or Chromium (marked slow by tests/conftest.py), no tier 2.
test-fast:
	scripts/setup --test
	SIDEWAYS_DATA_DIR=$$(mktemp -d) .venv/bin/python -m pytest -m "not slow and not integration and not interop" -q

setup:
	scripts/setup
