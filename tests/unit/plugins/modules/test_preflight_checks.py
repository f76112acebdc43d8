# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError

NAME = "preflight_checks"
KEY = "a-shared-inter-appliance-key"
ADDRESSES = {"site1.example.com": "192.0.2.11", "site2.example.com": "192.0.2.12",
             "tn1.eu.example.com": "192.0.2.21", "tn1.us.example.com": "192.0.2.23"}


class FakeAppliance:
    """One appliance's /appliance interface: status, IPs and the TCP Connection Test."""

    def __init__(self, hostname, address, model="B400"):
        self.hostname = hostname
        self.address = address
        self.model = model
        self.build = "12345-abc"
        self.unreachable = False
        self.blocked_targets = set()
        self.calls = []
        self.password = None          # None: any password signs in
        self.password_in_use = None

    def _check(self, path):
        if self.unreachable:
            raise ApplianceError(self.address, "GET", path, message="cannot connect: connection refused")
        if self.password is not None and self.password_in_use != self.password:
            raise ApplianceError(self.address, "GET", path, 401, "authentication failed")

    def status(self):
        self.calls.append("status")
        self._check("/appliance/api/v1/status")
        return dict(hostname=self.hostname, model=self.model, serial="S1", version="24.3.1", build=self.build,
                    product="rs", appliance_id="0" * 32)

    def interfaces(self):
        self.calls.append("interfaces")
        return [dict(name="eth0", mac_address="02:00:00:00:00:01", link_detected=True,
                     ips=[dict(address=self.address, prefix=24, enabled=True)])]

    def tcp_connection_tests(self, targets, timeout=5):
        """The driver's list form: one request, one result per (host, port)."""
        self.calls.append(("tcp_connection_tests", tuple(targets)))
        return [dict(host=host, port=port, success=False, message="Connection timed out", elapsed=timeout)
                if host in self.blocked_targets else
                dict(host=host, port=port, success=True, message="Connected", elapsed=0.01) for host, port in targets]


class FakeFleet:
    def __init__(self):
        self.appliances = dict((address, FakeAppliance(name, address)) for name, address in ADDRESSES.items())
        self.appliances["192.0.2.21"].model = self.appliances["192.0.2.23"].model = "B300"
        self.hosts = []

    def for_params(self, params, host=None):
        self.hosts.append(host)
        self.appliances[host].password_in_use = params.get("appliance_password")
        return self.appliances[host]

    def __getitem__(self, name):
        return self.appliances[ADDRESSES[name]]


def nodes(**changes):
    result = [dict(name="site1.example.com", role="primary", address="192.0.2.11", model="B400",
                   ips=["192.0.2.11/24"], inter_appliance_key=KEY),
              dict(name="site2.example.com", role="backup", address="192.0.2.12", model="B400",
                   ips=["192.0.2.12/24"], inter_appliance_key=KEY),
              dict(name="tn1.eu.example.com", role="traffic", address="192.0.2.21", region="eu-west",
                   inter_appliance_key=KEY),
              dict(name="tn1.us.example.com", role="traffic", address="192.0.2.23", region="us-east",
                   inter_appliance_key=KEY)]
    for name, change in changes.items():
        [item for item in result if item["name"] == name.replace("_", ".")][0].update(change)
    return result


@pytest.fixture
def fleet():
    return FakeFleet()


@pytest.fixture
def preflight(run, fleet, pki):
    cert, dummy, dummy2 = pki.leaf("support.example.com")
    chain = pki.pem(pki.certificate("support.example.com", pki.key(), dns_names=[
        "support.example.com", "*.example.com", "*.eu.example.com", "*.us.example.com"]))

    def runner(check_mode=False, **params):
        params.setdefault("site_hostname", "support.example.com")
        params.setdefault("nodes", nodes())
        params.setdefault("shared_ips", ["192.0.2.52/24"])
        params.setdefault("certificate", chain)
        return run(NAME, params, fleet, check_mode=check_mode)
    runner.partial_chain = pki.pem(cert)
    return runner


def states(result):
    return dict((item["name"], item["state"]) for item in result["checks"])


def test_a_good_topology_passes_every_check(preflight, fleet):
    result = preflight()
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert set(states(result).values()) == {"passed"}
    assert result["summary"] == dict(passed=8, failed=0, skipped=0)
    assert sorted(set(fleet.hosts)) == sorted(ADDRESSES.values())
    # The whole matrix (every appliance to every other one) at one request per appliance.
    for appliance in fleet.appliances.values():
        tests = [call[1] for call in appliance.calls if call[0] == "tcp_connection_tests"]
        assert tests == [tuple((address, 443) for address in ADDRESSES.values() if address != appliance.address)]
    assert KEY not in str(result)


def test_check_mode_runs_the_same(preflight):
    assert set(states(preflight(check_mode=True)).values()) == {"passed"}


def test_failures_are_named_and_fail_the_task(preflight, fleet):
    fleet["site2.example.com"].build = "999-new"
    fleet["tn1.us.example.com"].blocked_targets.add("192.0.2.12")
    result = preflight()
    assert result["failed"]
    assert result["failed_checks"] == ["pair_same_version", "tcp_443_reachable"]
    assert result["msg"].startswith("2 preflight check(s) failed: pair_same_version: site1.example.com runs")
    assert "tn1.us.example.com -> site2.example.com (192.0.2.12:443): Connection timed out" in result["msg"]


def test_fail_on_failure_false_reports_without_failing(preflight):
    result = preflight(fail_on_failure=False, nodes=nodes(tn1_us_example_com=dict(inter_appliance_key=None)))
    assert not result.get("failed")
    assert result["failed_checks"] == ["inter_appliance_key_given"]
    reason = [item for item in result["checks"] if item["name"] == "inter_appliance_key_given"][0]["reason"]
    assert reason.startswith("no inter-appliance key given for tn1.us.example.com")


def test_a_node_with_a_different_key_is_reported(preflight):
    result = preflight(nodes=nodes(tn1_eu_example_com=dict(inter_appliance_key="some-other-key-value")))
    assert result["failed"]
    assert "inter_appliance_key_given: the nodes are given 2 different inter-appliance keys" in result["msg"]
    assert "some-other-key-value" not in str(result)


def test_an_unreachable_appliance_fails_the_checks_that_need_it(preflight, fleet):
    fleet["site2.example.com"].unreachable = True
    result = preflight(fail_on_failure=False)
    assert states(result)["pair_same_version"] == "failed"
    assert states(result)["tcp_443_reachable"] == "failed"
    assert "cannot connect" in result["appliances"]["site2.example.com"]["error"]


def test_gather_false_reads_nothing(preflight, fleet):
    result = preflight(gather=False)
    assert fleet.hosts == []
    assert states(result)["pair_same_version"] == "skipped"
    assert states(result)["tcp_443_reachable"] == "skipped"
    assert states(result)["traffic_node_regions"] == "passed"


def test_certificate_not_covering_a_node(preflight):
    result = preflight(certificate=preflight.partial_chain, fail_on_failure=False)
    reason = [item for item in result["checks"] if item["name"] == "certificate_covers_hostnames"][0]["reason"]
    assert "do not cover site1.example.com, site2.example.com, tn1.eu.example.com, tn1.us.example.com" in reason


def test_shared_ip_from_reported_interfaces(preflight, fleet):
    shared = nodes(site1_example_com=dict(ips=None), site2_example_com=dict(ips=None))
    result = preflight(nodes=shared, shared_ips=["198.51.100.52"], fail_on_failure=False)
    assert states(result)["shared_ip_in_pair_subnet"] == "failed"
    assert "interfaces" in fleet["site1.example.com"].calls


@pytest.mark.parametrize("params, message", [
    (dict(nodes=nodes(site1_example_com=dict(ips=["192.0.2.11/33"]))), "prefix 33 of 192.0.2.11 is out of range"),
    (dict(nodes=nodes(site1_example_com=dict(address="192.0.2.300"))), "is not an IP address"),
    (dict(shared_ips=["12.12.1.300"]), "shared_ips[0]: '12.12.1.300' is not an IP address"),
    (dict(certificate="not a certificate"), "certificate holds no PEM certificate"),
    (dict(tcp_port=0), "tcp_port: 0 is not a TCP port"),
    (dict(nodes=nodes(tn1_eu_example_com=dict(address=None, name=""))),
     "nodes[2] ().name (used as address) is empty"),
    (dict(tcp_timeout=0), "tcp_timeout must be a positive number"),
    (dict(tcp_timeout=61), "0.1 to 60 (the TCP Connection Test's range), got 61"),
])
def test_bad_input_is_refused_before_contacting_anything(preflight, fleet, params, message):
    result = preflight(**params)
    assert result["failed"]
    assert message in result["msg"]
    assert fleet.hosts == []


def test_empty_hostname_is_a_failed_check_with_a_clear_reason(preflight):
    result = preflight(gather=False, site_hostname="", fail_on_failure=False)
    reason = [item for item in result["checks"] if item["name"] == "unique_hostnames"][0]["reason"]
    assert reason.startswith("site_hostname is empty")


def test_each_appliance_is_read_with_the_password_it_accepts(preflight, fleet):
    fleet["site2.example.com"].password = "password"       # still the factory one
    for name in ("site1.example.com", "tn1.eu.example.com", "tn1.us.example.com"):
        fleet[name].password = "s3cret-pass"               # already the inventory's
    result = preflight(fallback_appliance_password="password")
    assert not result.get("failed"), result
    assert dict((name, fact["signed_in_with"]) for name, fact in result["appliances"].items()) == {
        "site1.example.com": "given", "site2.example.com": "fallback", "tn1.eu.example.com": "given",
        "tn1.us.example.com": "given"}
    # The inventory's password is tried first: a settled appliance sees no failed sign-in.
    assert fleet["site1.example.com"].calls.count("status") == 1
    assert fleet["site2.example.com"].calls.count("status") == 2


def test_an_appliance_that_accepts_neither_password_is_a_failed_read(preflight, fleet):
    fleet["site2.example.com"].password = "another-one"
    result = preflight(fallback_appliance_password="password", fail_on_failure=False)
    assert "site2.example.com refuses to sign in admin with the given or the fallback credentials" in \
        result["appliances"]["site2.example.com"]["error"]
    assert result["appliances"]["site2.example.com"]["signed_in_with"] is None
    assert states(result)["pair_same_version"] == "failed" and states(result)["tcp_443_reachable"] == "failed"
    assert not [call for call in fleet["site2.example.com"].calls if call[0] == "tcp_connection_tests"]
