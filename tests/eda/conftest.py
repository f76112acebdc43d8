# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Automatic failover end to end: ansible-rulebook runs the collection's rulebook against a lab pair
set up for DNS swing (vendor-only appliances, their own automatic failover off) and a real BIND.

`make eda-test` runs these in a network namespace of their own: a test cuts the controller off from
one appliance with a routing rule, which must never touch the host's own network. BIND is started as
tests/integration/dns/conftest.py starts it (tools/install-bind.sh installs it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import sys
import tempfile

import pytest

from ansible_collections.sra.appliance.tests.eda.support import (
    BLOCK, MEASURED, REPO, RULEBOOK_START, EdaLab, Rulebook, flow_inventory, only_loopback, wait_for, watch_options)
from ansible_collections.sra.appliance.tests.integration.dns.conftest import bind_server

# bind_server is a fixture: imported here, pytest offers it to these tests (named so that linters see it used).
__all__ = ("bind_server",)


def pytest_runtest_makereport(item, call):
    """The tests here are the steps of one story, each starting where the one before left the pair: a
    failed step is remembered, so that the next ones are skipped rather than fail for its reason."""
    if call.excinfo is not None and call.when in ("setup", "call"):
        item.session.sra_eda_failed = item.name


def pytest_runtest_setup(item):
    failed = getattr(item.session, "sra_eda_failed", None)
    if failed:
        pytest.skip("the step before failed (%s): the pair is not where this step starts" % failed)


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        terminalreporter.section("automatic failover: measured")
        for name, value in sorted(MEASURED.items()):
            terminalreporter.write_line("%s: %s" % (name, value))


@pytest.fixture(scope="module")
def eda_lab():
    if not only_loopback():
        pytest.fail("tests/eda change routing rules to cut the controller off from an appliance: run them in a network "
                    "namespace of their own, as `make eda-test` does (unshare --net)")
    root = tempfile.mkdtemp(prefix="sra-eda-")
    lab = EdaLab("eda_pair", BLOCK, os.path.join(root, "lab"))
    try:
        lab.up()
        lab.deploy()
        yield lab
    finally:
        lab.down()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def site_record(eda_lab, bind_server):  # noqa: F811 (the fixture imported above)
    """The site host name points at the normal primary, as the pair was deployed; returns a reader."""
    from ansible_collections.sra.appliance.plugins.module_utils._dns import DnsServer, absolute_name, tsig_key

    server = DnsServer(bind_server.address, bind_server.port, bind_server.zone,
                       tsig_key(bind_server.key_name, bind_server.secret, bind_server.algorithm), timeout=5)
    name = absolute_name("support.lab.sra.test", bind_server.zone)
    server.replace_a(name, [eda_lab.address("site1")], 60)
    return lambda: server.read_a(name)[0]


@pytest.fixture(scope="module")
def rulebook(eda_lab, bind_server, site_record):  # noqa: F811 (the fixture imported above)
    directory = os.path.dirname(eda_lab.state_dir)
    env = dict(os.environ, BT_CLIENT_ID=eda_lab.group_vars["sra_client_id"],
               BT_CLIENT_SECRET=eda_lab.group_vars["sra_client_secret"],
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    runner = Rulebook(directory, flow_inventory(eda_lab, bind_server, directory),
                      dict(sra_watch=watch_options(eda_lab, bind_server)), env)
    try:
        wait_for("the rulebook's first event (the pair normal)",
                 lambda: runner.watcher_said("normal") or (not runner.alive() and runner.text()), RULEBOOK_START)
        assert runner.alive(), runner.text()
        yield runner
    finally:
        runner.stop()
        # Kept for a look after the run (tests/output is not tracked).
        kept = os.path.join(REPO, "tests", "output", "eda")
        os.makedirs(kept, exist_ok=True)
        shutil.copy(runner.log_path, os.path.join(kept, "rulebook.log"))
