# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures that run the collection's modules in-process against a lab.

The lab is driven only through its command line and its control interface (never imported):
the lab and the collection share no code, so a wire-format mistake on one side fails a test
instead of cancelling out.

Address blocks: SRA_TEST_BLOCK_PREFIX (default 127.70) + a block number per topology, so that
test labs never collide with the demo lab (127.0.10.0/24) or with each other.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import pytest

from ansible_collections.sra.appliance.tests.module_runner import run_module as run_in_process

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = os.environ.get("SRA_TEST_BLOCK_PREFIX", "127.70")
TOPOLOGY_BLOCKS = {"single": 1, "pair": 2, "demo": 3, "nat_pair": 4}
# Topologies made from one of lab/topologies: name -> (that file's name, what the test changes in it).
DERIVED_TOPOLOGIES = {"nat_pair": ("pair", dict(name="nat_pair", nat=dict(offset=60, target="site1")))}


class Lab:
    """One running lab: its nodes, credentials, request log and control interface."""

    def __init__(self, topology, block, state_dir):
        self.topology = topology
        self.block = block
        self.state_dir = state_dir
        self.info = {}
        self.inventory = {}
        self.marks = {}

    # -- lifecycle ------------------------------------------------------------------------
    def cli(self, *args, **kwargs):
        """Run ``python -m lab ARGS --state-dir ...``; a failure shows the lab's own words."""
        check = kwargs.pop("check", True)
        command = [sys.executable, "-m", "lab"] + list(args) + ["--state-dir", self.state_dir]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False,
                              timeout=kwargs.pop("timeout", 120), **kwargs)
        if check and done.returncode:
            raise AssertionError("%s failed (%s):\n%s%s" % (" ".join(args), done.returncode, done.stdout, done.stderr))
        return done

    def topology_file(self):
        """The lab topology file of this lab; a derived topology is written next to its state."""
        import yaml  # ansible-core depends on PyYAML
        base, changes = DERIVED_TOPOLOGIES.get(self.topology, (self.topology, None))
        path = os.path.join(REPO, "lab", "topologies", base + ".yml")
        if changes is None:
            return path
        with open(path) as handle:
            topology = dict(yaml.safe_load(handle), **changes)
        path = os.path.join(os.path.dirname(self.state_dir), self.topology + "-topology.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(topology, handle)
        return path

    def up(self):
        import yaml  # ansible-core depends on PyYAML
        self.cli("up", "--topology", self.topology_file(), "--block", self.block)
        with open(os.path.join(self.state_dir, "lab.json")) as handle:
            self.info = json.load(handle)
        self.inventory = yaml.safe_load(self.cli("inventory").stdout)
        return self

    def down(self):
        self.cli("down", check=False)

    def reset(self, *names):
        """Factory state, and a new start for the request log of each node."""
        for name in names or self.names():
            self.control(name, "POST", "reset")
            self.mark(name)

    def mark(self, name):
        """Requests before now no longer count in requests() and writes()."""
        log = self.requests(name, since_mark=False)
        self.marks[name] = log[-1]["id"] if log else 0

    # -- nodes ----------------------------------------------------------------------------
    def names(self):
        return sorted(self.info["nodes"])

    def node(self, name):
        return self.info["nodes"][name]

    def address(self, name):
        return self.node(name)["address"]

    @property
    def group_vars(self):
        return self.inventory["all"]["vars"]

    def params(self, name, **extra):
        """Connection options of a module run against ``name``, plus ``extra``."""
        lab_vars = self.group_vars
        params = dict(host=self.address(name), port=self.info.get("port", 443),
                      client_id=lab_vars["sra_client_id"], client_secret=lab_vars["sra_client_secret"],
                      appliance_user=lab_vars["sra_appliance_user"], appliance_password="password",
                      ca_path=os.path.join(self.state_dir, "trust.pem"))
        params.update(extra)
        return params

    # -- request log and control ----------------------------------------------------------
    def requests(self, name, writes=False, since_mark=True):
        since = self.marks.get(name, 0) if since_mark else 0
        query = "requests?since=%d%s" % (since, "&writes=1" if writes else "")
        return [entry for entry in self.control(name, "GET", query)["requests"] if entry["id"] > since]

    def control(self, name, method, path, body=None):
        """The lab's control interface of node ``name`` (plain HTTP JSON, separate from the appliance APIs).

        Called directly rather than through ``python -m lab``: a test reads the request log often.
        """
        url = "http://%s:%d/control/%s" % (self.address(name), self.node(name)["control_port"], path.lstrip("/"))
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def writes(self, name):
        return self.requests(name, writes=True)


@pytest.fixture(scope="session")
def lab_factory():
    """Start labs on demand (one per topology per session) and stop them all at the end."""
    started = {}
    root = tempfile.mkdtemp(prefix="sra-test-labs-")

    def start(topology):
        if topology not in started:
            block = "%s.%d.0/24" % (PREFIX, TOPOLOGY_BLOCKS[topology])
            lab = Lab(topology, block, os.path.join(root, topology))
            started[topology] = lab
            lab.up()
        return started[topology]

    yield start
    for lab in started.values():
        lab.down()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def single_lab(lab_factory):
    """A one-appliance lab, reset to factory state for each test."""
    lab = lab_factory("single")
    lab.reset()
    return lab


@pytest.fixture
def pair_lab(lab_factory):
    """A failover-pair lab, reset to factory state for each test."""
    lab = lab_factory("pair")
    lab.reset()
    return lab


class ModuleResult(dict):
    """A module's JSON result; ``failed`` says whether it called fail_json."""

    @property
    def failed(self):
        return bool(self.get("failed"))


def run_module(name, params, check_mode=False, diff=False):
    """Run plugins/modules/<name>.py main() in-process and return its result."""
    return ModuleResult(run_in_process(name, params, check_mode=check_mode, diff=diff))


@pytest.fixture
def module_runner():
    return run_module


# == Failover fixtures (eng-failover, for test_failover_modules.py) ===========================
# A device that answers the automatic failover's connectivity test, and a clean warning list
# for modules run in-process (AnsibleModule.warn() collects in a module-global list).

@pytest.fixture
def router(lab_factory):
    """A device at the pair lab's gateway that answers TCP on the appliance port, as the automatic
    failover's network connectivity test needs (lab/README.md, Backup settings); its address."""
    import socket
    import threading
    pair_lab = lab_factory("pair")
    address = pair_lab.info["topology"]["gateway"]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, pair_lab.info.get("port", 443)))
    listener.listen(16)

    def accept():
        while True:
            try:
                listener.accept()[0].close()
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield address
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread
    listener.close()


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Each in-process module run reports only its own warnings."""
    from ansible.module_utils.common import warnings as ansible_warnings

    def clear():
        monkeypatch.setattr(ansible_warnings, "_global_warnings", {})
    clear()
    return clear
