# The two commands of the README. Both install what they need first (scripts/setup).
.PHONY: run test setup

run:
	scripts/run

test:
	scripts/test

setup:
	scripts/setup
