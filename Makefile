# Tổng hợp — two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

# The Nu HTML checker (tests/web/test_html_valid.py): npm's vnu-jar, pinned, kept in the
# work tree (git-ignored) and installed once per version. 25.11.25 is the last release that
# installs the jar alone: later ones run an install script that looks for or downloads a
# Java runtime; Debian's Java (system-deps) runs it.
VNU_VERSION := 25.11.25
VNU_DIR := .cache/vnu
VNU_STAMP := $(VNU_DIR)/installed-$(VNU_VERSION)

.PHONY: run test venv test-deps system-deps pdf-deps migrate seed bench clean

$(BIN)/activate:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/activate
	$(BIN)/pip install -q -e .

migrate: venv
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

# The worker (PDFs of reports, other heavy jobs) runs beside the web server and stops with it.
run: seed pdf-deps
	@echo ""
	@echo "Tổng hợp đang chạy: http://127.0.0.1:5000  (Ctrl+C để dừng)"
	@$(BIN)/flask worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# What a report's PDF needs: LibreOffice Writer (headless), Liberation fonts (Times New Roman's
# metrics) and poppler-utils (pdftotext places the signature field). Installed when missing.
pdf-deps:
	@missing=""; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	fc-list 2>/dev/null | grep -q "Liberation Serif" || missing="$$missing fonts-liberation"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	  else sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends $$missing || \
	    echo "Không cài được$$missing: nút PDF sẽ báo máy chủ chưa có LibreOffice."; fi; \
	fi

# Browser tests drive Debian's chromium; exports are checked with LibreOffice headless, with
# Liberation Serif (Times New Roman's metrics) so a rendered page breaks where Word's would;
# `flask backup` of a PostgreSQL database runs pg_dump; the HTML checker runs on Java and
# comes from npm.
system-deps:
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui libreoffice-writer-nogui"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	fc-list 2>/dev/null | grep -q "Liberation Serif" || missing="$$missing fonts-liberation"; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	  else sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends $$missing; fi; \
	fi

$(VNU_STAMP): | system-deps
	npm install --prefix $(VNU_DIR) --no-audit --no-fund --loglevel=error vnu-jar@$(VNU_VERSION)
	test -f $(VNU_DIR)/node_modules/vnu-jar/build/dist/vnu.jar
	touch $@

test-deps: venv system-deps $(VNU_STAMP)
	$(BIN)/pip install -q -e '.[test]'

# Lint first (pyflakes rules and import order, [tool.ruff] in pyproject.toml): seconds, and
# a stray name or import fails here rather than deep in the suite.
test: test-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/autosave.py
	$(BIN)/python bench/consolidate.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/concurrent_saves.py
	$(BIN)/python bench/pdf.py

clean:
	rm -rf $(VENV) *.egg-info $(VNU_DIR)
