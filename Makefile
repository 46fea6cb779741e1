# Set-up and everyday commands. `make demo` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Debian packages the tests need: DOC/WPS readers (LibreOffice headless, antiword; LibreOffice
# Calc writes the XLS test files), Chromium with a Chinese font for the browser tests, and the
# Redis server the distributed-crawl tests start on a loopback port (tests/redis_server.py);
# the sqlite3 and rsync commands of the README's backup (tests/test_ops_backup.py); systemd for
# `systemd-analyze verify` of the units in deploy/ (tests/test_ops_deploy.py). Installing the
# systemd package starts nothing and does not replace the init of a container (that is
# systemd-sysv, not installed here).
SYSTEM_PACKAGES := antiword libreoffice-writer-nogui libreoffice-calc-nogui chromium fonts-wqy-microhei redis-server sqlite3 rsync systemd

.PHONY: demo test install system-deps bench clean regen-golden screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/xxgk demo

system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "warning: no apt-get: install$$missing yourself; their tests will be skipped"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; \
	else echo "warning: cannot install$$missing (not root, no sudo): their tests will be skipped"; exit 0; fi; \
	echo "installing Debian packages:$$missing"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing

test: $(STAMP) system-deps
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# Benchmarks print ratios against a baseline measured in the same run (see each file's docstring).
bench: $(STAMP)
	$(BIN)/python benchmarks/extract_bench.py
	$(BIN)/python benchmarks/incremental_bench.py
	$(BIN)/python benchmarks/export_bench.py
	$(BIN)/python benchmarks/search_bench.py
	$(BIN)/python benchmarks/pages_bench.py
	$(BIN)/python benchmarks/crawl_bench.py
	$(BIN)/python benchmarks/footprint_bench.py

# Screenshots of the main pages (docs/screenshots/*.png), taken by the browser tests.
screenshots: $(STAMP) system-deps
	XXGK_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_browser.py tests/test_journalist.py

# Rewrite the expected JSON of every golden case; review the diff by eye before committing.
regen-golden: $(STAMP)
	XXGK_REGEN_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_golden.py || true

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
