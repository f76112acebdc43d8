# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Atlas modules (cluster, traffic_nodes, preflight_checks) against the demo lab: a failover
pair (site1, site2) and three traffic nodes in two regions (tn1, tn2 in eu-west; tn3 in us-east).

The cluster is administered on site1; the lab pushes its configuration to every traffic node
over the node's internal address with the inter-appliance key (lab/README.md, "Atlas"), and
get_appliances / v2 /appliance show the cluster on the primary and on each node.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

PAIR = ("site1", "site2")
TRAFFIC = ("tn1", "tn2", "tn3")
HOUR = 3600


@pytest.fixture
def demo_lab(lab_factory):
    """The five-appliance demo lab, every appliance back in factory state (no key, no cluster)."""
    lab = lab_factory("demo")
    lab.reset()
    return lab


def hostvars(lab, node):
    """(inventory host name, its host variables) of a lab node."""
    for group in lab.inventory["all"]["children"].values():
        for host, variables in group["hosts"].items():
            if variables["sra_address"] == lab.address(node):
                return host, variables
    raise AssertionError("%s is not in the lab's inventory" % node)


def node_config(lab, node, **changes):
    """A traffic node as the inventory describes it (its inventory host name is its name)."""
    host, variables = hostvars(lab, node)
    config = dict(name=host, public_host=host, public_port=variables["sra_public_port"],
                  internal_address=variables["sra_internal_address"],
                  timezone_offset=variables["sra_timezone_offset"],
                  network_prefixes=variables["sra_network_prefixes"],
                  accepting_connections=variables["sra_accepting_connections"])
    config.update(changes)
    return config


def set_keys(lab, run, key=None, nodes=PAIR + TRAFFIC):
    for node in nodes:
        result = run("inter_appliance_key", lab.params(node, key=key or lab.group_vars["sra_inter_appliance_key"]))
        assert not result.failed, result


def traffic_nodes(lab, run, config, check_mode=False, **options):
    params = lab.params("site1", config=config, state=options.pop("state", "overridden"), wait_timeout=30)
    params.update(options)
    return run("traffic_nodes", params, check_mode=check_mode, diff=True)


def build_cluster(lab, run):
    set_keys(lab, run)
    result = traffic_nodes(lab, run, [node_config(lab, node) for node in TRAFFIC])
    assert not result.failed and result["changed"], result
    for node in PAIR + TRAFFIC:
        lab.mark(node)
    return result


def appliances(lab, run, node, api="xml"):
    result = run("health_info", lab.params(node, health=False, appliances=True, api=api))
    assert not result.failed, result
    return result["appliances"]


def by_name(view):
    return dict((item["name"], item) for item in view)


def no_writes(lab, nodes=PAIR + TRAFFIC):
    """The state-changing requests each node served since its mark; {} when there were none."""
    writes = dict((node, lab.writes(node)) for node in nodes)
    return dict((node, served) for node, served in writes.items() if served)


# -- keys --------------------------------------------------------------------------------------

def test_the_key_is_set_on_every_node(demo_lab, module_runner):
    key = demo_lab.group_vars["sra_inter_appliance_key"]
    fingerprints = set()
    for node in PAIR + TRAFFIC:
        first = module_runner("inter_appliance_key", demo_lab.params(node, key=key))
        again = module_runner("inter_appliance_key", demo_lab.params(node, key=key))
        assert first["changed"] and not again["changed"], (node, first, again)
        fingerprints.add(again["fingerprint"])
    assert len(fingerprints) == 1  # comparable across appliances: one key everywhere


# -- method and traffic nodes ------------------------------------------------------------------

def test_method_and_traffic_nodes_check_apply_apply_again(demo_lab, module_runner):
    set_keys(demo_lab, module_runner)
    for node in PAIR + TRAFFIC:
        demo_lab.mark(node)
    config = [node_config(demo_lab, node) for node in TRAFFIC]

    check = traffic_nodes(demo_lab, module_runner, config, check_mode=True)
    method_check = module_runner("cluster", demo_lab.params("site1", method="timezone_offset"), check_mode=True)
    assert check["changed"] and method_check["changed"]
    assert [change["action"] for change in check["changes"]] == ["add"] * 3
    assert check["diff"]["before"] == dict((node["name"], None) for node in config)
    assert "cluster_view" not in check
    assert no_writes(demo_lab) == {}

    applied = traffic_nodes(demo_lab, module_runner, config)
    assert not applied.failed and applied["changed"], applied
    assert applied["mismatches"] == [] and applied["pending"] == []
    assert [status["state"] for status in applied["node_status"]] == ["ok"] * 3
    method = module_runner("cluster", demo_lab.params("site1", method="timezone_offset"))
    assert method["changed"] and method["cluster"]["method"] == "timezone_offset"
    assert method["cluster"]["role"] == "primary"
    assert [write["method"] for write in demo_lab.writes("site1")] == ["POST"] * 3 + ["PUT"]

    for node in PAIR + TRAFFIC:
        demo_lab.mark(node)
    again = traffic_nodes(demo_lab, module_runner, config)
    method_again = module_runner("cluster", demo_lab.params("site1", method="timezone_offset"))
    assert not again["changed"] and not method_again["changed"], (again, method_again)
    assert again["mismatches"] == []
    assert no_writes(demo_lab) == {}

    gathered = module_runner("traffic_nodes", demo_lab.params("site1", state="gathered"))
    assert [node["name"] for node in gathered["gathered"]] == [node["name"] for node in config]
    assert gathered["gathered"][2]["timezone_offset"] == -5


def test_cluster_view_on_the_primary_and_on_each_node(demo_lab, module_runner):
    build_cluster(demo_lab, module_runner)
    for api in ("xml", "json"):
        view = by_name(appliances(demo_lab, module_runner, "site1", api))
        site1 = hostvars(demo_lab, "site1")[0]
        assert view[site1]["cluster_role"] == "primary"
        assert sorted(item["cluster_role"] for item in view.values()) == ["primary"] + ["traffic"] * 3
        for node in TRAFFIC:
            config = node_config(demo_lab, node)
            listed = view[config["name"]]
            assert listed["public_hostname"] == config["public_host"]
            assert listed["accepting_connections"] is True
            assert listed["timezone_offset"] == config["timezone_offset"] * HOUR
            # On the node itself: only itself, as a traffic node with the pushed offset, and the
            # same appliance id the primary lists (the node answered the push).
            own = appliances(demo_lab, module_runner, node, api)
            assert [(item["id"], item["cluster_role"], item["timezone_offset"], item["accepting_connections"])
                    for item in own] == [(listed["id"], "traffic", config["timezone_offset"] * HOUR, True)]
    assert no_writes(demo_lab) == {}


def test_the_backup_primary_node_sees_the_cluster_after_a_data_sync(demo_lab, module_runner):
    build_cluster(demo_lab, module_runner)
    pair = module_runner("failover_relationship", demo_lab.params(
        "site1", backup_host=demo_lab.address("site2"), reverse_host=demo_lab.address("site1"), wait_timeout=60))
    assert not pair.failed and pair["changed"], pair
    primary = by_name(appliances(demo_lab, module_runner, "site1"))
    backup = by_name(appliances(demo_lab, module_runner, "site2", "json"))
    assert set(primary) == set(backup) and len(primary) == 5
    site1, site2 = hostvars(demo_lab, "site1")[0], hostvars(demo_lab, "site2")[0]
    for view in (primary, backup):
        assert (view[site1]["cluster_role"], view[site1]["failover_role"]) == ("primary", "primary")
        assert (view[site2]["cluster_role"], view[site2]["failover_role"]) == ("primary", "backup")
    refused = module_runner("traffic_nodes", demo_lab.params("site2", state="gathered"))
    assert refused.failed and "is the backup primary node of the cluster" in refused["msg"]


def test_a_node_goes_out_of_rotation_and_back_idempotently(demo_lab, module_runner):
    build_cluster(demo_lab, module_runner)
    name = node_config(demo_lab, "tn2")["name"]
    out = dict(name=name, accepting_connections=False)

    check = traffic_nodes(demo_lab, module_runner, [out], check_mode=True, state="merged")
    assert check["changed"] and check["changes"] == [dict(action="update", name=name)]
    assert check["diff"]["after"][name]["accepting_connections"] is False
    assert no_writes(demo_lab) == {}

    result = traffic_nodes(demo_lab, module_runner, [out], state="merged")
    assert not result.failed and result["changed"], result
    assert len(demo_lab.writes("site1")) == 1
    assert by_name(appliances(demo_lab, module_runner, "site1"))[name]["accepting_connections"] is False
    assert appliances(demo_lab, module_runner, "tn2")[0]["accepting_connections"] is False
    assert appliances(demo_lab, module_runner, "tn1")[0]["accepting_connections"] is True

    demo_lab.mark("site1")
    again = traffic_nodes(demo_lab, module_runner, [out], state="merged")
    assert not again.failed and not again["changed"]
    assert demo_lab.writes("site1") == []

    back = traffic_nodes(demo_lab, module_runner, [dict(out, accepting_connections=True)], state="merged")
    assert back["changed"] and back["mismatches"] == []
    assert appliances(demo_lab, module_runner, "tn2")[0]["accepting_connections"] is True


# -- a node with a wrong inter-appliance key ----------------------------------------------------

def test_a_node_with_a_wrong_key_is_reported(demo_lab, module_runner):
    set_keys(demo_lab, module_runner, nodes=PAIR + TRAFFIC[:2])
    set_keys(demo_lab, module_runner, key="not-the-cluster-key", nodes=("tn3",))
    config = [node_config(demo_lab, node) for node in TRAFFIC]
    tn3 = config[2]["name"]

    result = traffic_nodes(demo_lab, module_runner, config)
    assert result.failed and result["changed"]
    assert "%s: refused (" % tn3 in result["msg"] and "inter-appliance key" in result["msg"]
    assert [status["state"] for status in result["node_status"]] == ["ok", "ok", "refused"]
    assert result["mismatches"] == [line for line in result["mismatches"] if line.startswith(tn3)]
    # The node did not join: it still lists itself as a single appliance.
    assert [item["cluster_role"] for item in appliances(demo_lab, module_runner, "tn3")] == ["single"]

    again = traffic_nodes(demo_lab, module_runner, config)
    assert again.failed and not again["changed"] and "%s: refused" % tn3 in again["msg"]
    sync = module_runner("cluster", demo_lab.params("site1", sync=True, wait_timeout=30))
    assert sync.failed and sync["changed"] and "%s: refused" % tn3 in sync["msg"]

    set_keys(demo_lab, module_runner, nodes=("tn3",))
    fixed = module_runner("cluster", demo_lab.params("site1", sync=True, wait_timeout=30))
    assert not fixed.failed, fixed
    assert [status["state"] for status in fixed["node_status"]] == ["ok"] * 3
    assert [item["cluster_role"] for item in appliances(demo_lab, module_runner, "tn3")] == ["traffic"]


# -- bad inputs ------------------------------------------------------------------------------------

BAD_INPUTS = [
    (dict(name="tn1.eu-west.lab.sra.test"), "the name tn1.eu-west.lab.sra.test is already used by config[0]"),
    (dict(public_port=0), "public_port: 0 is not a TCP port"),
    (dict(network_prefixes=["10.0.0.0/33"]), "prefix 33 of 10.0.0.0 is out of range"),
    (dict(timezone_offset=15), "15.0 hours is outside UTC-12 to UTC+14"),
    (dict(public_host=""), "public_host is empty"),
    (dict(internal_address=""), "internal_address is empty"),
]


def test_bad_input_is_refused_with_zero_writes(lab_factory, module_runner):
    lab = lab_factory("demo")  # bad input changes nothing: no reset needed
    for node in PAIR + TRAFFIC:
        lab.mark(node)
    for change, message in BAD_INPUTS:
        config = [node_config(lab, "tn1"), node_config(lab, "tn2", **change)]
        result = traffic_nodes(lab, module_runner, config)
        assert result.failed and not result["changed"], (change, result)
        assert message in result["msg"], (change, result["msg"])
    assert lab.requests("site1") == []  # refused before the first request
    assert no_writes(lab) == {}


def test_traffic_node_refuses_cluster_administration(demo_lab, module_runner):
    build_cluster(demo_lab, module_runner)
    result = module_runner("cluster", demo_lab.params("tn1", method="random"))
    assert result.failed and "is a traffic node of the cluster: manage the cluster on its primary node" in result["msg"]
    assert no_writes(demo_lab) == {}


# -- preflight checks -------------------------------------------------------------------------------

def preflight_nodes(lab, **changes):
    """The inventory as preflight_checks takes it; ``changes`` per lab node name."""
    nodes = []
    for node in PAIR + TRAFFIC:
        host, variables = hostvars(lab, node)
        role = variables.get("sra_normal_role", "traffic")
        entry = dict(name=host, role=role, address=variables["sra_address"], model=variables["sra_model"],
                     ips=variables["sra_interfaces"]["eth0"]["ips"],
                     inter_appliance_key=lab.group_vars["sra_inter_appliance_key"])
        if role == "traffic":
            entry["region"] = variables["sra_region"]
        entry.update(changes.get(node, {}))
        nodes.append(entry)
    return nodes


@pytest.fixture
def site_certificate(demo_lab, tmp_path):
    """issue(*nodes): a lab-CA certificate for the site host name and those nodes' host names."""
    def issue(*nodes):
        names = [demo_lab.group_vars["sra_site_hostname"]] + [hostvars(demo_lab, node)[0] for node in nodes]
        args = ["issue-cert", "--name", names[0], "--out-cert", str(tmp_path / "site.pem"),
                "--out-key", str(tmp_path / "site.key")]
        for name in names:
            args += ["--san", name]
        demo_lab.cli(*args)
        return (tmp_path / "site.pem").read_text()
    return issue


def preflight(lab, run, certificate, **options):
    params = lab.params("site1", site_hostname=lab.group_vars["sra_site_hostname"],
                        shared_ips=lab.group_vars["sra_shared_ips"], certificate=certificate,
                        nodes=options.pop("nodes", None) or preflight_nodes(lab), tcp_timeout=3)
    params.update(options)
    return run("preflight_checks", params)


def states(result):
    return dict((check["name"], check["state"]) for check in result["checks"])


def test_preflight_passes_on_the_demo_topology(demo_lab, module_runner, site_certificate):
    shared = demo_lab.group_vars["sra_shared_ips"]
    assert shared and all(ip.startswith(demo_lab.block.rsplit(".", 2)[0]) for ip in shared), \
        "the lab inventory's shared IP lies outside its block: %s" % shared
    result = preflight(demo_lab, module_runner, site_certificate(*(PAIR + TRAFFIC)))
    assert not result.failed, [check for check in result.get("checks", []) if check["state"] != "passed"]
    assert set(states(result).values()) == {"passed"}
    assert result["summary"] == dict(passed=8, failed=0, skipped=0)
    assert no_writes(demo_lab) == {}


def test_preflight_tests_the_whole_matrix_at_one_request_per_appliance(demo_lab, module_runner, site_certificate):
    """TCP 443 from every appliance to every other one: one TCP Connection Test request per
    appliance listing all the others. A lab whose management API predates the list refuses it
    (400 or 422), and only then is each target asked on its own."""
    result = preflight(demo_lab, module_runner, site_certificate(*(PAIR + TRAFFIC)), checks=["tcp_443_reachable"])
    assert not result.failed, result.get("msg")
    others = len(PAIR + TRAFFIC) - 1
    for node in PAIR + TRAFFIC:
        statuses = [entry["status"] for entry in demo_lab.requests(node)
                    if entry["path"] == "/appliance/api/v1/utilities/tcp-connection-test"]
        assert statuses == [200] or (statuses[0] in (400, 422) and statuses[1:] == [200] * others), (node, statuses)
    assert [check["reason"] for check in result["checks"] if check["name"] == "tcp_443_reachable"] == [
        "TCP 443 open between all %d pairs of appliances, both ways" % (len(PAIR + TRAFFIC) * others // 2)]


def test_preflight_reads_a_fresh_appliance_with_the_fallback_password(demo_lab, module_runner, site_certificate):
    password = demo_lab.group_vars["sra_appliance_password"]
    module_runner("appliance_admin", demo_lab.params("site1", password=password))  # site1 is deployed, the rest fresh
    result = preflight(demo_lab, module_runner, site_certificate(*(PAIR + TRAFFIC)), appliance_password=password,
                       fallback_appliance_password="password")
    assert not result.failed, result.get("msg")
    signed_in = dict((name, fact["signed_in_with"]) for name, fact in result["appliances"].items())
    assert signed_in.pop(hostvars(demo_lab, "site1")[0]) == "given"
    assert set(signed_in.values()) == {"fallback"}


def test_preflight_names_the_failed_checks(demo_lab, module_runner, site_certificate):
    uncovered = site_certificate("site1", "site2", "tn1", "tn2")  # tn3's host name is missing
    result = preflight(demo_lab, module_runner, uncovered,
                       nodes=preflight_nodes(demo_lab, site2=dict(model="B300")))
    assert result.failed
    assert result["failed_checks"] == ["primary_nodes_same_model", "certificate_covers_hostnames"]
    assert hostvars(demo_lab, "tn3")[0] in dict((c["name"], c["reason"]) for c in result["checks"])[
        "certificate_covers_hostnames"]
    assert "primary_nodes_same_model" in result["msg"]

    report = preflight(demo_lab, module_runner, uncovered, fail_on_failure=False,
                       nodes=preflight_nodes(demo_lab, tn3=dict(region="eu-west")))
    assert not report.failed
    assert report["failed_checks"] == ["traffic_node_regions", "certificate_covers_hostnames"]
    assert no_writes(demo_lab) == {}


# -- disband ------------------------------------------------------------------------------------------

def test_disband(demo_lab, module_runner):
    build_cluster(demo_lab, module_runner)
    check = module_runner("cluster", demo_lab.params("site1", state="absent"), check_mode=True, diff=True)
    assert check["changed"] and check["diff"]["after"] == dict(role="single", traffic_nodes=[])
    assert no_writes(demo_lab) == {}

    result = module_runner("cluster", demo_lab.params("site1", state="absent"))
    assert not result.failed and result["changed"]
    assert result["cluster"]["role"] == "single" and result["cluster"]["traffic_nodes"] == []
    assert [item["cluster_role"] for item in appliances(demo_lab, module_runner, "site1")] == ["single"]
    for node in TRAFFIC:
        assert [item["cluster_role"] for item in appliances(demo_lab, module_runner, node)] == ["single"]

    demo_lab.mark("site1")
    again = module_runner("cluster", demo_lab.params("site1", state="absent"))
    assert not again.failed and not again["changed"]
    assert demo_lab.writes("site1") == []
