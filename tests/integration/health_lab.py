# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health playbook against a lab: the demo topology (a failover pair, three traffic nodes in two
regions, the NAT device), deployed by hand through the lab's pages (python -m lab deploy-pair, then
the cluster's keys and traffic nodes), and ansible-playbook run as a user runs it.

Used by tests/integration/test_health_playbook.py and tests/integration/dns/test_health_dns_swing.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import subprocess
import sys
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "playbooks", "health.yml")
PAIR = ("site1", "site2")
TRAFFIC = ("tn1", "tn2", "tn3")


class HealthLab:
    """One deployed demo lab and the inventory `lab inventory` writes for it."""

    def __init__(self, lab, workdir):
        self.lab = lab
        self.workdir = workdir
        self.runs = 0

    # -- the lab ----------------------------------------------------------------------------------
    def deploy(self):
        """The pair as `site` deploys it, and every traffic node in the primary's cluster."""
        self.lab.cli("deploy-pair", "--timeout", "120", timeout=180)
        key = self.lab.info["topology"]["inter_appliance_key"]
        for name in TRAFFIC:
            self.page(name, "PUT", "/login/api/v1/security/inter-appliance-key", {"key": key})
        listed = [node["name"] for node in self.page("site1", "GET", "/login/api/v1/cluster/traffic-nodes")
                  ["traffic_nodes"]]
        for name in TRAFFIC:
            if self.hostname(name) not in listed:
                self.page("site1", "POST", "/login/api/v1/cluster/traffic-nodes", self.traffic_node(name))
        self.wait(lambda: all(self.cluster_role(name) == "traffic" for name in TRAFFIC), "the cluster push")
        return self

    def traffic_node(self, name):
        spec = self.lab.info["topology"]["appliances"][name]
        return dict(name=self.hostname(name), accepting_connections=True, timezone_offset=spec["timezone_offset"],
                    public_host=self.hostname(name), public_port=self.lab.info.get("port", 443),
                    internal_address=self.lab.address(name), network_prefixes=list(spec["network_prefixes"]))

    def page(self, name, method, path, body=None):
        """A page set by hand (python -m lab page): the lab's control interface, never the collection."""
        args = ["page", name, method, path] + ([json.dumps(body)] if body is not None else [])
        return json.loads(self.lab.cli(*args).stdout or "null")

    def hostname(self, name):
        return self.lab.node(name)["hostname"]

    def state(self, name):
        return self.lab.control(name, "GET", "state")

    def cluster_role(self, name):
        return self.page(name, "GET", "/login/api/v1/cluster")["role"]

    @staticmethod
    def wait(condition, what, timeout=60):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("%s did not happen within %s s" % (what, timeout))
            time.sleep(0.5)

    def set_shared_ip(self, enabled):
        """The shared IP's enabled flag on the primary's IP Configuration page, as a person would untick it."""
        interfaces = self.page("site1", "GET", "/appliance/api/v1/network/interfaces")["interfaces"]
        ips = next(nic for nic in interfaces if nic["name"] == "eth0")["ips"]
        shared = self.shared_ip()
        for entry in ips:
            if entry["address"] == shared:
                entry["enabled"] = enabled
        self.page("site1", "PUT", "/appliance/api/v1/network/interfaces/eth0/ips",
                  {"ips": [dict((key, entry[key]) for key in ("address", "prefix", "enabled")) for entry in ips]})
        self.wait(lambda: (shared in self.state("site1")["listeners"]) == enabled, "the shared IP listener to follow")

    def shared_ip(self):
        return self.lab.group_vars["sra_shared_ips"][0].split("/")[0]

    # -- the playbook -----------------------------------------------------------------------------
    def inventory(self, group_vars=None, host_vars=None, drop=None):
        """The lab's inventory with ``group_vars`` merged into all:vars, ``host_vars`` into hosts
        ({host: {var: value}}), and ``drop`` ({host or 'all': [var, ...]}) removed."""
        inventory = copy.deepcopy(self.lab.inventory)
        inventory["all"]["vars"].update(group_vars or {})
        hosts = {}
        for group in inventory["all"]["children"].values():
            hosts.update((group or {}).get("hosts") or {})
        for host, values in (host_vars or {}).items():
            hosts[host].update(values)
        for host, names in (drop or {}).items():
            target = inventory["all"]["vars"] if host == "all" else hosts[host]
            for name in names:
                target.pop(name, None)
        self.runs += 1
        path = os.path.join(self.workdir, "inventory-%d" % self.runs)
        os.makedirs(path)
        with open(os.path.join(path, "hosts.yml"), "w") as handle:
            yaml.safe_dump(inventory, handle)
        return path

    def run(self, inventory=None, extra_vars=None, env=None):
        """ansible-playbook playbooks/health.yml, with the JSON report and the HTML page written."""
        inventory = inventory or self.inventory()
        report_path = os.path.join(inventory, "health.json")
        html_path = os.path.join(inventory, "health.html")
        extra = dict(sra_health_report=report_path, sra_health_html=html_path, **(extra_vars or {}))
        environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"),
                           ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_NOCOLOR="1",
                           ANSIBLE_SHOW_CUSTOM_STATS="1", ANSIBLE_HOST_PATTERN_MISMATCH="error")
        for name in ("BT_CLIENT_ID", "BT_CLIENT_SECRET"):
            environment.pop(name, None)
        environment.update(env or {})
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, PLAYBOOK,
                   "-e", json.dumps(extra)]
        done = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=300,
                              check=False)
        report = None
        if os.path.exists(report_path):
            with open(report_path) as handle:
                report = json.load(handle)
        return Run(done.returncode, done.stdout + done.stderr, report, html_path)


class Run:
    """One run of the playbook: exit code, output, the JSON report, the HTML page's path."""

    def __init__(self, rc, output, report, html_path):
        self.rc = rc
        self.output = output
        self.report = report
        self.html_path = html_path

    def row(self, name):
        return next(row for row in self.report["appliances"] if row["name"] == name)

    def problems(self, *words):
        """The problems that hold every word."""
        return [text for text in self.report["problems"] if all(word in text for word in words)]

    def __repr__(self):
        return "Run(rc=%s)\n%s" % (self.rc, self.output[-6000:])
