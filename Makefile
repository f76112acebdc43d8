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

.PHONY: demo test newest venv link unit integration eda-test lab-test lab-lint sanity lint molecule lab-up lab-down lab-inventory clean

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
test: unit lab-lint lab-test integration eda-test sanity lint molecule newest

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

molecule: venv link
	@set -e; for s in $$(ls extensions/molecule 2>/dev/null | grep -v '^_'); do \
	  [ -f extensions/molecule/$$s/molecule.yml ] || continue; \
	  echo "== molecule scenario $$s"; \
	  $(BIN)/molecule test -s $$s; \
	done

clean:
	rm -rf build .pytest_cache tests/output
