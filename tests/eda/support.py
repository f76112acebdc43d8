# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the automatic-failover tests share: the lab pair, ansible-rulebook, the routing rule that cuts
the controller off from one appliance, waiting, and the measurements printed at the end.

The lab is driven through its command line and control interface only (tests/integration/conftest.py's
Lab). One module, imported by conftest.py and the tests alike, so that both see one MEASURED.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.sra.appliance.tests.integration.conftest import REPO, Lab

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCK = os.environ.get("SRA_EDA_BLOCK", "127.75.1.0/24")
# The watcher's settings in these tests: a short hold-down, a poll every 2 s.
HOLD_DOWN = 10
INTERVAL = 2
# What may come on top of the hold-down before the backup is primary, and what a flow may take: the first
# poll that sees the primary down (up to one interval, plus the client's retries of a read that finds nothing
# listening: about 7 s), then ansible-rulebook starting ansible-playbook and the flow's reads before its role
# change. About 25 s on an idle 2-core machine; 60 to 100 s on one shared by several test runs (load 16), so
# the bound leaves room for that.
MARGIN = 240
# ansible-rulebook starts a JVM and asks ansible-galaxy where collections are: it can take a minute here.
RULEBOOK_START = 180
MEASURED = {}


def measured(name, value):
    """Record a timing or a count for the summary at the end of the run."""
    MEASURED[name] = value


def wait_for(what, check, timeout, every=0.5):
    """Poll ``check()`` until it returns something true; its value and the seconds it took."""
    started = time.monotonic()
    last = None
    while time.monotonic() - started < timeout:
        last = check()
        if last:
            return last, time.monotonic() - started
        time.sleep(every)
    raise AssertionError("Timed out after %s s waiting for %s (last seen: %r)" % (timeout, what, last))


def only_loopback():
    """This process runs in a network namespace of its own (nothing but lo)."""
    shown = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=False).stdout
    return [line.split(":")[1].strip() for line in shown.splitlines() if line.strip()] == ["lo"]


class EdaLab(Lab):
    """The pair of topology.yml, deployed through its pages (deploy-pair), as a person would have set it up."""

    def up(self):
        self.cli("up", "--topology", os.path.join(HERE, "topology.yml"), "--block", self.block)
        with open(os.path.join(self.state_dir, "lab.json")) as handle:
            self.info = json.load(handle)
        self.inventory = yaml.safe_load(self.cli("inventory").stdout)
        return self

    def deploy(self):
        self.cli("deploy-pair", "--timeout", "120", timeout=180)
        # The normal primary pulls data syncs too while it is backup (after an outage): see the topology.
        settings = self.control("site1", "POST", "page", dict(method="GET", path="/login/api/v1/failover/backup-settings"))
        settings = dict(settings["body"], backup_operations=True)
        answer = self.control("site1", "POST", "page", dict(method="PUT", path="/login/api/v1/failover/backup-settings",
                                                            body=settings))
        assert answer["status"] == 200, answer

    @property
    def port(self):
        return self.info.get("port", 443)

    @property
    def gateway(self):
        return self.info["gateway"]

    def hostname(self, name):
        return "%s.lab.sra.test" % name

    def role(self, name):
        try:
            return self.control(name, "GET", "state")["failover_role"]
        except OSError:
            return "down"

    def site_data(self, name):
        return set((row["kind"], row["name"]) for row in self.control(name, "GET", "site-data")["site_data"])

    def summary(self, name, since=0):
        """The lab's request-log summary of ``name`` (python -m lab requests NAME --summary), since a log id."""
        return self.control(name, "GET", "requests/summary?since=%d" % since)

    def kill(self, name):
        self.cli("kill", name)

    def start(self, name):
        self.cli("start", name)


class Rulebook:
    """ansible-rulebook running the collection's rulebook, in its own process group (so that the
    playbooks it starts end with it); its output in a log file."""

    def __init__(self, directory, inventory, variables, env):
        self.directory = directory
        self.inventory = inventory
        self.log_path = os.path.join(directory, "rulebook.log")
        vars_path = os.path.join(directory, "watch.yml")
        with open(vars_path, "w") as handle:
            yaml.safe_dump(variables, handle)
        venv_bin = os.path.dirname(sys.executable)
        command = [os.path.join(venv_bin, "ansible-rulebook"), "-r", "sra.appliance.auto_failover", "-i", inventory,
                   "--vars", vars_path, "-v"]
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=directory, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def text(self):
        with open(self.log_path) as handle:
            return handle.read()

    def lines(self, needle):
        return [line for line in self.text().splitlines() if needle in line]

    def watcher_said(self, kind, status=None):
        needle = "sra.appliance.pair_watch %s (%s)" % (kind, status) if status else "sra.appliance.pair_watch %s " % kind
        return self.lines(needle)

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Whatever it started (ansible-runner, ansible-playbook) is in its process group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


def watch_options(lab, bind):
    """sra_watch of the rulebook: the options of sra.appliance.pair_watch for the lab's pair."""
    return dict(
        host=lab.address("site1"), peer_host=lab.address("site2"), port=lab.port,
        name=lab.hostname("site1"), peer_name=lab.hostname("site2"),
        ca_path=os.path.join(lab.state_dir, "trust.pem"), tls_server_name="support.lab.sra.test",
        connectivity_test=["%s:%s" % (lab.gateway["address"], lab.gateway["port"])],
        hold_down=HOLD_DOWN, interval=INTERVAL, timeout=5,
        state_file=os.path.join(lab.state_dir, "..", "watch-memory.json"),
        dns=dict(server=bind.address, port=bind.port, zone=bind.zone, record="support.lab.sra.test",
                 tsig_name=bind.key_name, tsig_secret=bind.secret, tsig_algorithm=bind.algorithm))


def flow_inventory(lab, bind, directory):
    """The lab's inventory for the flows the rulebook runs, with DNS swing against the test's BIND, and the
    settings of playbooks/auto_failover.yml (the same as the rulebook's)."""
    inventory = json.loads(json.dumps(lab.inventory))
    options = watch_options(lab, bind)
    inventory["all"]["vars"].update(
        sra_network_method="dns_swing", sra_shared_ips=[], sra_backup_dir=os.path.join(directory, "backups"),
        sra_dns=dict(server=bind.address, port=bind.port, zone=bind.zone, ttl=60, tsig_name=bind.key_name,
                     tsig_secret=bind.secret, tsig_algorithm=bind.algorithm),
        sra_timeout=options["timeout"],
        sra_auto_failover=dict((key, options[key]) for key in ("connectivity_test", "hold_down", "interval")))
    path = os.path.join(directory, "inventory.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(inventory, handle)
    return path


class BackupCut:
    """A routing rule of this network namespace that refuses the controller's connections to one
    appliance's API port; its control port stays reachable. Rules are looked up before the local
    table only when the local table's rule comes after them, so that one is moved behind."""

    PREFERENCE = "10"

    def __init__(self, address, port):
        self.rule = ["to", "%s/32" % address, "ipproto", "tcp", "dport", str(port), "prohibit"]
        self.moved = self._ip("rule", "add", "pref", "100", "lookup", "local").returncode == 0
        if self.moved:
            self._ip("rule", "del", "pref", "0", check=True)
        self._ip("rule", "add", "pref", self.PREFERENCE, *self.rule, check=True)

    def remove(self):
        self._ip("rule", "del", "pref", self.PREFERENCE, *self.rule)
        if self.moved:
            self._ip("rule", "add", "pref", "0", "lookup", "local")
            self._ip("rule", "del", "pref", "100", "lookup", "local")

    @staticmethod
    def _ip(*args, **kwargs):
        done = subprocess.run(["ip"] + list(args), capture_output=True, text=True, check=False)
        if kwargs.get("check") and done.returncode:
            pytest.fail("ip %s: %s" % (" ".join(args), done.stderr))
        return done


def run_playbook(lab, inventory, playbook, *extra):
    """ansible-playbook of the collection's ``playbook`` on the lab's inventory; the completed process."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
               os.path.join(REPO, "playbooks", playbook)] + list(extra)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False,
                          timeout=HOLD_DOWN + MARGIN + 120)
