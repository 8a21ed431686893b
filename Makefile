# restorekit.instaclustr: set-up, tests and checks. docs/development.md explains each target.
#
#   make demo    run the disaster-recovery drill against the local API emulator
#   make test    every test layer and check, in order (what .ci/run and CI run)
#
# Python 3.11+, Python 3.13 (for .venv-newest; pyenv's is found, or set PYTHON_NEWEST) and a package
# index are needed: the targets create .venv, .venv-2.16, .venv-newest and .venv-importer
# themselves, and reinstall when a requirements file changes. Nothing talks to Galaxy.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# The suites start emulators and measure time; never run two layers at once.
.NOTPARALLEL:

PYTHON ?= python3
VENV ?= .venv
VENV_216 ?= .venv-2.16
# The newest ansible-core series (tests/requirements-newest.txt) on this Python version.
VENV_NEWEST ?= .venv-newest
NEWEST_PYTHON_VERSION := 3.13
# An interpreter for .venv-newest; empty: tests/support/find_python.py looks in pyenv, then PATH.
PYTHON_NEWEST ?=
# galaxy-importer (Galaxy's own import check, run by `make build`) pins its own ansible-core.
VENV_IMPORTER ?= .venv-importer
BIN := $(CURDIR)/$(VENV)/bin
BIN_216 := $(CURDIR)/$(VENV_216)/bin
BIN_NEWEST := $(CURDIR)/$(VENV_NEWEST)/bin
BIN_IMPORTER := $(CURDIR)/$(VENV_IMPORTER)/bin
STAMP := $(VENV)/.restorekit-requirements
STAMP_216 := $(VENV_216)/.restorekit-requirements
STAMP_NEWEST := $(VENV_NEWEST)/.restorekit-requirements
STAMP_IMPORTER := $(VENV_IMPORTER)/.restorekit-requirements
# Extra arguments for every pytest run, e.g. `make units PYTEST_ARGS="-k retry -x"`.
PYTEST_ARGS ?=
# ansible-test needs the collection at .../ansible_collections/restorekit/instaclustr. It gets a
# copy there (outside the repository; tests/support/collection.py uses a link elsewhere in the cache).
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/restorekit.instaclustr
# One copy per checkout, so a fresh-clone check beside the working tree does not wipe its copy.
CHECKOUT_KEY := $(shell printf %s "$(CURDIR)" | sha1sum | cut -c1-10)
SANITY_DIR := $(CACHE_DIR)/sanity-$(CHECKOUT_KEY)/ansible_collections/restorekit/instaclustr
SANITY_DIR_NEWEST := $(CACHE_DIR)/sanity-newest-$(CHECKOUT_KEY)/ansible_collections/restorekit/instaclustr
# Extra arguments for ansible-test sanity, e.g. `make sanity SANITY_ARGS="--test pylint"`.
SANITY_ARGS ?=

TEST_TARGETS := units emulator-tests integration integration-2.16 integration-newest drill drill-newest \
	molecule reliability bench-smoke sanity sanity-newest lint build changelog-lint docs
MOLECULE_TEST := tests/drill/test_molecule_scenario.py
# The newest-ansible-core runs fail on a deprecation warning (tests/support/deprecations.py).
NEWEST_ENV := RESTOREKIT_ANSIBLE_BIN_DIR=$(BIN_NEWEST) RESTOREKIT_FAIL_ON_DEPRECATION=1
# The drill tests on the newest ansible-core: a smoke subset (the passing drill with its four
# reports on v1, and on v2 a failing check whose restored cluster is still deleted), to keep make test's time.
DRILL_NEWEST_TESTS := "tests/drill/test_passing_drill.py::test_passing_drill_writes_all_four_reports[v1]" \
	"tests/drill/test_failure_paths.py::test_failing_user_check_is_a_failed_check_and_the_cluster_is_deleted[v2]"

.PHONY: help venv venv-2.16 venv-newest venv-importer engines test $(TEST_TARGETS) reliability-report demo bench clean

help:
	@echo "make demo            run the drill against the local emulator (reports in drill-reports/)"
	@echo "make engines         find (or, as root with apt-get, install) the data plane's PostgreSQL 15 and redis-server"
	@echo "make test            every layer below, in order; prints the time each took"
	@echo "  units              pytest tests/unit"
	@echo "  emulator-tests     pytest tests/emulator_tests"
	@echo "  integration        pytest tests/integration (ansible-core 2.19, .venv)"
	@echo "  integration-2.16   the same playbooks run by ansible-core 2.16 (.venv-2.16)"
	@echo "  integration-newest the same playbooks run by ansible-core 2.21 on Python 3.13 (.venv-newest)"
	@echo "  drill              pytest tests/drill (the drill role; not its molecule test)"
	@echo "  drill-newest       a smoke subset of tests/drill run by ansible-core 2.21 (.venv-newest)"
	@echo "  molecule           the molecule scenario in extensions/molecule/, against an emulator"
	@echo "  reliability        pytest tests/reliability"
	@echo "make reliability-report  regenerate docs/reliability.md from the last reliability run's figures"
	@echo "  bench-smoke        benchmarks/run.py --smoke"
	@echo "  sanity             ansible-test sanity on a copy of the collection"
	@echo "  sanity-newest      ansible-test sanity of ansible-core 2.21, Python 3.13 (.venv-newest)"
	@echo "  lint               ansible-lint --offline, production profile"
	@echo "  build              build, install and ansible-doc the collection; ansible-builder create;"
	@echo "                     galaxy-importer on the tarball (.venv-importer)"
	@echo "  changelog-lint     antsibull-changelog lint"
	@echo "make bench           the full benchmarks"
	@echo "make venv            only create or update .venv (venv-2.16, venv-newest, venv-importer: the others)"
	@echo "Newest ansible-core: PYTHON_NEWEST=/path/to/python3.13 overrides the interpreter lookup."

# --- virtual environments ------------------------------------------------------------------

define check_python
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "$(PYTHON) is older than Python 3.11; run make PYTHON=python3.11 ..." >&2; exit 1; }
endef

$(STAMP): requirements.txt requirements-dev.txt requirements-data-plane.txt
	$(check_python)
	@test -x $(VENV)/bin/python || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(STAMP_216): requirements.txt requirements-data-plane.txt tests/requirements-2.16.txt
	$(check_python)
	@test -x $(VENV_216)/bin/python || { echo "creating $(VENV_216)"; $(PYTHON) -m venv $(VENV_216); }
	$(VENV_216)/bin/python -m pip install --disable-pip-version-check -r tests/requirements-2.16.txt
	@touch $@

# The interpreter is looked up only to create the environment; a missing one fails here.
$(STAMP_NEWEST): requirements.txt requirements-data-plane.txt tests/requirements-newest.txt tests/support/find_python.py
	$(check_python)
	@if ! test -x $(VENV_NEWEST)/bin/python; then \
		python_newest="$$($(PYTHON) tests/support/find_python.py $(NEWEST_PYTHON_VERSION) --override '$(PYTHON_NEWEST)')"; \
		echo "creating $(VENV_NEWEST) from $$python_newest"; \
		"$$python_newest" -m venv $(VENV_NEWEST); \
	fi
	@$(VENV_NEWEST)/bin/python -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(NEWEST_PYTHON_VERSION)")' || \
		{ echo "$(VENV_NEWEST) is not Python $(NEWEST_PYTHON_VERSION); remove it and run make again" >&2; exit 1; }
	$(VENV_NEWEST)/bin/python -m pip install --disable-pip-version-check -r tests/requirements-newest.txt
	@touch $@

$(STAMP_IMPORTER): tests/requirements-importer.txt
	$(check_python)
	@test -x $(VENV_IMPORTER)/bin/python || { echo "creating $(VENV_IMPORTER)"; $(PYTHON) -m venv $(VENV_IMPORTER); }
	$(VENV_IMPORTER)/bin/python -m pip install --disable-pip-version-check -r tests/requirements-importer.txt
	@touch $@

# The engines of the emulator's data plane (docs/emulator.md): found, or installed as root with apt-get.
engines:
	@sh tools/engines.sh

venv: $(STAMP)
venv-2.16: $(STAMP_216)
venv-newest: $(STAMP_NEWEST)
venv-importer: $(STAMP_IMPORTER)

# --- make test -----------------------------------------------------------------------------

# Runs each layer as its own make; stops at the first failure (`make -k ...` on single targets
# to go on), and prints how long each layer took.
test: $(STAMP) engines
	@summary=""; \
	for target in $(TEST_TARGETS); do \
		start=$$(date +%s); status=ok; \
		echo; echo "==> make $$target"; \
		$(MAKE) --no-print-directory $$target || status=FAILED; \
		summary="$$summary$$(printf '%-18s %-7s %5ss' $$target $$status $$(( $$(date +%s) - start )))"$$'\n'; \
		if [ $$status != ok ]; then printf '\n== make test: %s failed ==\n%s' $$target "$$summary"; exit 1; fi; \
	done; \
	printf '\n== make test: all passed ==\n%s' "$$summary"

# $(call pytest_dir,<folder>,<environment assignments>,<pytest options>): run pytest on a test
# folder; a folder that is missing or holds no test file fails, so a lost suite cannot pass silently.
define pytest_dir
	@if [ -z "$$(find $(1) \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit 2>/dev/null)" ]; then \
		echo "$(1): no test files found" >&2; exit 1; \
	else \
		echo "$(strip $(2) pytest $(1) $(3) $(PYTEST_ARGS))"; \
		env $(2) $(BIN)/python -m pytest $(1) $(3) $(PYTEST_ARGS); \
	fi
endef

units: $(STAMP)
	$(call pytest_dir,tests/unit,)

emulator-tests: $(STAMP) engines
	$(call pytest_dir,tests/emulator_tests,)

integration: $(STAMP)
	@$(BIN)/ansible --version | sed -n 1p
	$(call pytest_dir,tests/integration,RESTOREKIT_ANSIBLE_BIN_DIR=$(BIN))

# pytest (and the emulator) run from .venv; ansible-playbook and the modules run on 2.16, on API v1
# only (the cases marked v2 are left out).
integration-2.16: $(STAMP) $(STAMP_216)
	@$(BIN_216)/ansible --version | sed -n 1p
	$(call pytest_dir,tests/integration,RESTOREKIT_ANSIBLE_BIN_DIR=$(BIN_216),-m 'not v2')

# The same playbooks on the newest ansible-core: v1, plus the v2 smoke subset (marked newest_smoke);
# a [DEPRECATION WARNING] in their output fails.
integration-newest: $(STAMP) $(STAMP_NEWEST)
	@$(BIN_NEWEST)/ansible --version | sed -n 1p
	$(call pytest_dir,tests/integration,$(NEWEST_ENV),-m 'not v2 or newest_smoke')

reliability: $(STAMP)
	$(call pytest_dir,tests/reliability,)

# docs/reliability.md from the figures the last `make reliability` wrote (tests/output/reliability/).
reliability-report: $(STAMP)
	$(BIN)/python tools/reliability_report.py --check

# The drill role's tests: failure paths, ansible-runner, sweep. The molecule scenario
# test is left to `make molecule`, so it runs once.
drill: $(STAMP)
	$(call pytest_dir,tests/drill,,--ignore=$(MOLECULE_TEST))

# pytest and the emulator from .venv; ansible-playbook from .venv-newest (tests/drill/conftest.py).
# pytest fails when one of the named tests no longer exists.
drill-newest: $(STAMP) $(STAMP_NEWEST)
	@$(BIN_NEWEST)/ansible --version | sed -n 1p
	env $(NEWEST_ENV) $(BIN)/python -m pytest $(DRILL_NEWEST_TESTS) $(PYTEST_ARGS)

# The molecule scenario needs an API: $(MOLECULE_TEST) starts an emulator and runs
# `molecule test` with IC_API_URL/IC_USERNAME/IC_API_KEY set (and its own ANSIBLE_HOME, as
# molecule's prerun installs a copy of the collection there).
molecule: $(STAMP)
	$(BIN)/python -m pytest $(MOLECULE_TEST) $(PYTEST_ARGS)

bench-smoke: $(STAMP) engines
	$(BIN)/python benchmarks/run.py --smoke

# ansible-test runs on a copy (tracked files plus untracked, not ignored ones) with --local:
# the controller is .venv; each sanity test still gets its own virtual environment under
# ~/.ansible/test/venv, bootstrapped by the cached get-pip replacement (see docs/development.md).
sanity: $(STAMP)
	@test -z "$$(ls tests/sanity/ignore-*.txt 2>/dev/null)" || { echo "tests/sanity/ignore-*.txt must not exist" >&2; exit 1; }
	@$(BIN)/python tests/support/ansible_test_setup.py get-pip
	@$(BIN)/python tests/support/ansible_test_setup.py copy "$(SANITY_DIR)"
	cd "$(SANITY_DIR)" && env -u ANSIBLE_COLLECTIONS_PATH $(BIN)/ansible-test sanity --local \
		--python "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
		--color no $(SANITY_ARGS)

# ansible-test of the newest ansible-core, with its own rules (still no ignore file), from
# .venv-newest on its own copy; the pip bootstrap is the same cached replacement, for its pip version.
sanity-newest: $(STAMP) $(STAMP_NEWEST)
	@test -z "$$(ls tests/sanity/ignore-*.txt 2>/dev/null)" || { echo "tests/sanity/ignore-*.txt must not exist" >&2; exit 1; }
	@$(BIN_NEWEST)/python tests/support/ansible_test_setup.py get-pip
	@$(BIN_NEWEST)/python tests/support/ansible_test_setup.py copy "$(SANITY_DIR_NEWEST)"
	cd "$(SANITY_DIR_NEWEST)" && env -u ANSIBLE_COLLECTIONS_PATH $(BIN_NEWEST)/ansible-test sanity --local \
		--python $(NEWEST_PYTHON_VERSION) --color no $(SANITY_ARGS)

# Offline, ansible-lint does not put the collection it lints on the collections path, so the
# syntax check of playbooks using group/restorekit.instaclustr.all would fail: give it the link.
lint: $(STAMP)
	PATH="$(BIN):$$PATH" ANSIBLE_COLLECTIONS_PATH="$$($(BIN)/python tests/support/collection.py)" \
		$(BIN)/ansible-lint --offline

build: $(STAMP) $(STAMP_IMPORTER)
	PATH="$(BIN):$$PATH" $(BIN)/python tests/support/check_build.py --importer $(BIN_IMPORTER)/python

changelog-lint: $(STAMP)
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# The collection's documentation site: antsibull-docs writes the RST of every module, plugin,
# filter and role (docs/docsite/antsibull-docs.cfg), Sphinx builds build/docs/html (docs/docsite/conf.py).
# Offline; any warning fails (-W), so `make test` checks that it builds cleanly.
DOCS_DIR := build/docs
docs: $(STAMP)
	rm -rf $(DOCS_DIR) && mkdir -p -m 700 $(DOCS_DIR)/rst
	PATH="$(BIN):$$PATH" ANSIBLE_COLLECTIONS_PATH="$$($(BIN)/python tests/support/collection.py)" \
		$(BIN)/antsibull-docs --config-file docs/docsite/antsibull-docs.cfg collection --use-current \
		--squash-hierarchy --fail-on-error --cleanup everything --dest-dir $(DOCS_DIR)/rst restorekit.instaclustr
	$(BIN)/sphinx-build -b html -c docs/docsite -W --keep-going -q $(DOCS_DIR)/rst $(DOCS_DIR)/html
	@echo "documentation site: $(DOCS_DIR)/html/index.html"

# --- the main job and the benchmarks -------------------------------------------------------

demo: $(STAMP) engines
	$(BIN)/python tools/run_demo.py --data-plane

bench: $(STAMP) engines
	$(BIN)/python benchmarks/run.py

# Removes what the targets made; keeps the environments (`rm -rf .venv .venv-2.16 .venv-newest
# .venv-importer` for those).
clean:
	rm -rf tests/output "$(CACHE_DIR)/sanity-$(CHECKOUT_KEY)" "$(CACHE_DIR)/sanity-newest-$(CHECKOUT_KEY)"
