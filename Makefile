# sra.appliance — the two commands of the README are `make demo` and `make test`.
#
# Everything runs from a virtualenv in .venv that the targets create themselves. The checkout
# is the collection root; ansible needs it at .../ansible_collections/sra/appliance, so
#   build/collections/ansible_collections/sra/appliance  is a link to the checkout (playbooks,
#                                                        ansible-lint, molecule, pytest), and
#   /tmp/sra-appliance-sanity/.../sra/appliance           is a copy of the tracked tree without
#                                                        lab/, outside this git checkout (ansible-test
#                                                        rejects links and reads git for the file list).
# ansible-test is offline here: it downloads a pip bootstrap at first use, which this machine
# cannot reach; tools/install-get-pip-standin.sh puts a stand-in in its cache (see
# tools/get_pip_offline.py).

PYTHON ?= python3
VENV ?= .venv
TEST_REQUIREMENTS ?= tests/requirements.txt
SANITY_PYTHON ?= 3.11
# DESIGN §1: also the newest ansible-core where the machine has Python 3.12.
PYTHON_NEWEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/build/collections
SANITY_ROOT ?= /tmp/sra-appliance-sanity/ansible_collections/sra/appliance
DEMO_STATE ?= $(CURDIR)/.lab/demo
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test checks integration-browser ansible-versions timed newest venv link unit integration browser eda-test lab-test lab-lint sanity lint molecule lab-up \
  lab-down lab-inventory clean packaging docs-lint changelog-lint tarball-check ee-check readme-check changelog ee-context \
  floor floor-venv floor-sanity packaging-lab

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt $(TEST_REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt -r $(TEST_REQUIREMENTS)
	touch $@

link:
	@mkdir -p $(COLLECTIONS)/ansible_collections/sra
	@ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/sra/appliance

## make demo: start the lab of inventories/lab, deploy it with `site`, show health, then a planned
## failover and a failback, with the health table after each.
demo: venv link
	$(BIN)/python -m lab up --topology lab/topologies/demo.yml --state-dir $(DEMO_STATE)
	$(BIN)/ansible-playbook -i inventories/lab playbooks/site.yml
	$(BIN)/ansible-playbook -i inventories/lab playbooks/health.yml
	$(BIN)/ansible-playbook -i inventories/lab playbooks/planned_failover.yml -e sra_backup_dir=$(DEMO_STATE)/backups
	$(BIN)/ansible-playbook -i inventories/lab playbooks/health.yml
	$(BIN)/ansible-playbook -i inventories/lab playbooks/failback.yml -e sra_backup_dir=$(DEMO_STATE)/backups
	$(BIN)/ansible-playbook -i inventories/lab playbooks/health.yml

## make lab-inventory: rewrite inventories/lab/hosts.yml from lab/topologies/demo.yml.
lab-inventory: venv
	$(BIN)/python tools/write_lab_inventory.py

lab-up: venv
	$(BIN)/python -m lab up --topology lab/topologies/demo.yml --state-dir $(DEMO_STATE)
lab-down: venv
	$(BIN)/python -m lab down --state-dir $(DEMO_STATE)

## make test: everything CI runs.
test: unit lab-lint lab-test lint checks timed packaging

## make checks: the integration and browser tests beside the sanity runs on each ansible-core
## (sanity, floor, newest). The first mostly wait on lab timers, the others keep one core busy, so
## side by side they overlap instead of adding up (measured: make test used 61% of 2 cores when
## everything ran one after the other). The integration labs, the floor's lab (a network namespace of
## its own) and the three ansible-test trees never share an address or a directory.
checks:
	$(MAKE) --no-print-directory -j2 --output-sync=target integration-browser ansible-versions
integration-browser: integration browser
ansible-versions:
	$(MAKE) --no-print-directory sanity floor newest

## make timed: the suites that mostly wait on lab timers, side by side (eda-test in a network namespace of
## its own, the Molecule scenarios each in its own address block): they overlap instead of adding up.
timed:
	$(MAKE) --no-print-directory -j2 --output-sync=target eda-test molecule

## make newest: unit tests and sanity on Python 3.12 with the newest ansible-core (own virtualenv).
newest:
	@if [ -z "$(PYTHON_NEWEST)" ]; then echo "newest: no Python 3.12 on this machine, skipped"; exit 0; fi; \
	$(MAKE) --no-print-directory VENV=.venv-newest PYTHON=$(PYTHON_NEWEST) TEST_REQUIREMENTS=tests/requirements-newest.txt \
	  SANITY_PYTHON=3.12 SANITY_ROOT=/tmp/sra-appliance-sanity-newest/ansible_collections/sra/appliance unit sanity

unit: venv link
	$(BIN)/python -m pytest -q tests/unit

# Modules run in-process against labs started by tests/integration/conftest.py.
integration: venv link
	$(BIN)/python -m pytest -q tests/integration

## make browser: the health page rendered by a headless Chromium (Debian's `chromium`).
browser: venv link
	$(BIN)/python -m pytest -q tests/browser

# Automatic failover end to end (tests/eda): ansible-rulebook (it needs Java 17) against a lab pair and BIND,
# in a network namespace of its own: a test adds a routing rule that cuts the controller off from an appliance.
eda-test: venv link
	unshare --net sh -c 'ip link set lo up && $(BIN)/python -m pytest -q tests/eda'

# The lab's own tests, two pytest-xdist workers (each gets its own address blocks: lab/tests/blocks.py).
LAB_TEST_WORKERS ?= 2
lab-test: venv
	$(BIN)/python -m pytest -q -c lab/pytest.ini -n $(LAB_TEST_WORKERS) --dist loadfile lab/tests

# ruff over lab/ only (lab/ruff.toml); the collection has ansible-test sanity and ansible-lint.
lab-lint: venv
	$(BIN)/ruff check --config lab/ruff.toml lab

sanity: venv
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)
	git ls-files -z --cached --others --exclude-standard | grep -zv -e '^lab/' -e '^tools/' -e '^\.ci/' \
	  | xargs -0 -I{} cp --parents {} $(SANITY_ROOT)/
	tools/install-get-pip-standin.sh $(BIN)/python
	cd $(SANITY_ROOT) && $(CURDIR)/$(BIN)/ansible-test sanity --venv --python $(SANITY_PYTHON) --color no

lint: venv link
	$(BIN)/ansible-lint --offline --profile production

# Scenarios in parallel lanes (each has its own lab and address block); MOLECULE_LANES=1 runs them one
# after another, SCENARIOS="a b" runs only those.
MOLECULE_LANES ?= 3
molecule: venv link
	$(BIN)/python tools/molecule_lanes.py --lanes $(MOLECULE_LANES) $(SCENARIOS)

## make packaging: what a user gets - the README's commands from a fresh clone (those without a
## lab), the tarball's content, the changelog, the execution environment definition, the AWX/AAP
## credential types (tests/packaging, one pytest run), and the docs lint.
PACKAGING_PYTEST = $(BIN)/python -m pytest -q -c tests/packaging/pytest.ini
packaging: docs-lint
	$(PACKAGING_PYTEST) -m "not lab" tests/packaging

docs-lint: venv link
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

# Each check of `make packaging` on its own.
changelog-lint: venv
	$(PACKAGING_PYTEST) tests/packaging/test_changelog.py
tarball-check: venv
	$(PACKAGING_PYTEST) tests/packaging/test_tarball.py tests/packaging/test_requirements.py
ee-check: venv
	$(PACKAGING_PYTEST) tests/packaging/test_execution_environment.py tests/packaging/test_credential_types.py
readme-check: venv
	$(PACKAGING_PYTEST) tests/packaging/test_readme.py

## make changelog: fold the pending fragments into the release of galaxy.yml's version
## (changelogs/changelog.yaml, CHANGELOG.rst; the fragments are removed). Run it before a release.
changelog: venv link
	$(BIN)/antsibull-changelog release

## make ee-context: the collection tarball in build/dist and, from execution-environment.yml, the
## build context of an execution environment in build/ee (docs/aap.md; no container engine needed).
ee-context: venv
	$(BIN)/ansible-galaxy collection build --force --output-path build/dist .
	rm -rf build/ee
	$(BIN)/ansible-builder create -f execution-environment.yml -c build/ee --output-filename Containerfile

## make floor: the oldest ansible-core that requires_ansible admits (tests/requirements-floor.txt),
## in its own virtualenv: sanity of the built collection, then packaging-lab.
FLOOR_VENV ?= .venv-floor
FLOOR_BIN := $(FLOOR_VENV)/bin
FLOOR_SANITY_PARENT ?= /tmp/sra-appliance-sanity-floor
floor: floor-sanity packaging-lab

floor-venv:
	@$(MAKE) --no-print-directory VENV=$(FLOOR_VENV) TEST_REQUIREMENTS=tests/requirements-floor.txt venv

# Sanity of what ships (the installed tarball, as a user of that ansible-core gets it): the tests
# are not shipped, and ansible-test before 2.16 applies some rules meant for plugins to them.
floor-sanity: floor-venv
	rm -rf $(FLOOR_SANITY_PARENT) && mkdir -p $(FLOOR_SANITY_PARENT)
	$(FLOOR_BIN)/ansible-galaxy collection build --force --output-path $(FLOOR_SANITY_PARENT) .
	ANSIBLE_COLLECTIONS_PATH=$(FLOOR_SANITY_PARENT) $(FLOOR_BIN)/ansible-galaxy collection install \
	  -p $(FLOOR_SANITY_PARENT) $(FLOOR_SANITY_PARENT)/sra-appliance-*.tar.gz
	tools/install-get-pip-standin.sh $(FLOOR_BIN)/python
	cd $(FLOOR_SANITY_PARENT)/ansible_collections/sra/appliance && \
	  $(CURDIR)/$(FLOOR_BIN)/ansible-test sanity --venv --python $(SANITY_PYTHON) --color no

## make packaging-lab: in a network namespace of its own (the lab takes inventories/lab's
## 127.0.10.0/24 there without meeting a demo lab), from a fresh clone: the README's lab commands
## (site and health with the floor's ansible-core), a re-run of site on the floor, playbooks with
## the credentials injected as a controller would, and the plan callback (in sync, drift after a
## hand change, a bad credential).
packaging-lab: venv link floor-venv
	unshare --net sh -c 'ip link set lo up && SRA_FLOOR_BIN=$(CURDIR)/$(FLOOR_BIN) $(PACKAGING_PYTEST) --durations=0 -m lab tests/packaging'

clean:
	rm -rf build .pytest_cache tests/output
