# wslfleet.networking — the two commands a newcomer needs are `make demo` and `make test`.
# Everything installs itself (scripts/bootstrap.sh): Debian packages as root, Python into .venv.

SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Playbooks, Molecule and the demo find this checkout as wslfleet.networking through a symlink
# tree; the other collections come from the `ansible` package in .venv.
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/build/collections
COLLECTION_TREE := build/ansible_collections/wslfleet/networking
# The home directory of the non-lab gates (see `unit`); scripts/bootstrap.sh seeds it.
TOOL_HOME := $(CURDIR)/build/home
# Developer tooling that galaxy.yml keeps out of the tarball stays out of sanity's tree too.
SANITY_EXCLUDE := ':!:lab' ':!:scripts' ':!:benchmarks' ':!:requirements' ':!:.ci' ':!:Makefile' ':!:ruff.toml' ':!:.pre-commit-config.yaml' ':!:.yamllint'
# Scenarios run in this order; `lab` proves the lab itself before anything is tested on it.
MOLECULE_SCENARIOS ?= $(shell scripts/list-scenarios.sh)
SANITY_SKIPS = $(shell sed -e 's/#.*//' -e '/^$$/d' -e 's/^/--skip-test /' tests/sanity/skip-tests.txt)
# The ansible-core matrix: the default toolchain above is 2.19; `make matrix` also runs the unit
# tests, sanity and MATRIX_SCENARIOS on the oldest ansible-core we support and the newest on PyPI,
# each from build/venvs/ansible-X.Y (requirements/ansible-X.Y.txt, made by bootstrap.sh).
MATRIX_VERSIONS := 2.16 2.21
# `config` is the cheapest scenario that still runs a module, an action plugin and the controller's
# templating against a real lab guest (about 1 minute); `guest` takes several.
MATRIX_SCENARIOS ?= config

.PHONY: test demo setup unit pwsh-syntax sanity lint build-check molecule collection-tree clean lab-clean matrix

test: setup unit pwsh-syntax sanity lint build-check lab-test molecule matrix
	@echo "make test: all gates passed"

setup:
	@scripts/bootstrap.sh
	@mkdir -p build/collections/ansible_collections/wslfleet
	@ln -sfn $(CURDIR) build/collections/ansible_collections/wslfleet/networking

demo: setup
	scripts/demo.sh

# An ansible_collections/<ns>/<name> tree holding exactly the files git would ship.
collection-tree:
	@rm -rf $(COLLECTION_TREE) && mkdir -p $(COLLECTION_TREE)
	@git ls-files -z --cached --others --exclude-standard -- . $(SANITY_EXCLUDE) \
	  | rsync -a --from0 --files-from=- ./ $(COLLECTION_TREE)/
	@cd $(COLLECTION_TREE) && git init -q && git add -A

# Unit tests, sanity and lint write nothing into the user's home: Ansible's and ansible-test's caches,
# the copy of the collection ansible-lint installs, and the temporary folders of the playbooks the unit
# tests run (Ansible expands a remote_tmp of ~ to the user's home from the password database, not
# from HOME) go to build/home.
unit: setup
	HOME=$(TOOL_HOME) ANSIBLE_REMOTE_TMP=$(TOOL_HOME)/.ansible/tmp $(BIN)/python -m pytest -q tests/unit

pwsh-syntax: setup
	$(BIN)/python scripts/check_powershell.py

sanity: setup collection-tree
	cd $(COLLECTION_TREE) && HOME=$(TOOL_HOME) $(BIN)/ansible-test sanity --color=no --python $$($(BIN)/python -c "import sys; print('%d.%d' % sys.version_info[:2])") \
	  $(SANITY_SKIPS)
	@echo "=== antsibull-docs lint-collection-docs: plugin and role docs render, every reference resolves"
	cd $(COLLECTION_TREE) && HOME=$(TOOL_HOME) $(BIN)/antsibull-docs lint-collection-docs --plugin-docs \
	  --validate-collection-refs all --disallow-unknown-collection-refs .

# ansible-lint installs the collection it lints into ~/.ansible/collections and may skip a reinstall
# of the same version, linting a stale copy: drop our own copy first so it always sees this tree.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/yamllint --strict .
	$(BIN)/pre-commit validate-config .pre-commit-config.yaml
	$(BIN)/antsibull-changelog lint
	$(BIN)/python scripts/check_changelog_fragments.py
	rm -rf $(TOOL_HOME)/.ansible/collections/ansible_collections/wslfleet/networking
	HOME=$(TOOL_HOME) $(BIN)/ansible-lint --profile production --offline

build-check: setup
	scripts/build-check.sh

molecule: setup
	@set -e; for s in $(MOLECULE_SCENARIOS); do \
	  echo "=== molecule test -s $$s"; $(BIN)/molecule test -s $$s; done

matrix: $(addprefix matrix-,$(MATRIX_VERSIONS))
	@echo "make matrix: ansible-core $(MATRIX_VERSIONS) passed"

# One leg: matrix-2.16, matrix-2.21 (not .PHONY: make skips pattern rules for phony targets).
# Legs share the collection tree and the scenario's lab, so run them one at a time (no -j).
matrix-%: setup collection-tree
	@scripts/bootstrap.sh --ansible $*
	@echo "=== ansible-core $*: unit tests"
	HOME=$(TOOL_HOME) ANSIBLE_REMOTE_TMP=$(TOOL_HOME)/.ansible/tmp PATH=$(CURDIR)/build/venvs/ansible-$*/bin:$$PATH build/venvs/ansible-$*/bin/python -m pytest -q tests/unit
	@echo "=== ansible-core $*: ansible-test sanity"
	cd $(COLLECTION_TREE) && HOME=$(TOOL_HOME) PATH=$(CURDIR)/build/venvs/ansible-$*/bin:$$PATH ansible-test sanity --color=no \
	  --python $$($(CURDIR)/build/venvs/ansible-$*/bin/python -c "import sys; print('%d.%d' % sys.version_info[:2])") \
	  $(SANITY_SKIPS)
	@set -e; for s in $(MATRIX_SCENARIOS); do \
	  echo "=== ansible-core $*: molecule test -s $$s"; \
	  PATH=$(CURDIR)/build/venvs/ansible-$*/bin:$$PATH molecule test -s $$s; done

lab-clean: setup
	$(BIN)/python lab/wslfleet_lab.py destroy --all

clean:
	rm -rf build tests/output

# The lab program itself against real containers (root; about 20 s once the rootfs is cached).
.PHONY: lab-test
lab-test: setup
	$(BIN)/python -m pytest -q tests/lab
