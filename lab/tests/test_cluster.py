"""Atlas: the primary node pushes the cluster configuration; the APIs report the cluster."""
import xml.etree.ElementTree as ET

import pytest

from lab.tests.blocks import block
from lab.tests.conftest import running_lab, wait_for
from lab.tests.pairs import clean_nodes, establish, pair_topology

NS = "{https://www.beyondtrust.com/namespaces/API/command}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from running_lab(tmp_path_factory, pair_topology("cluster", block(4), traffic_nodes=2))


@pytest.fixture
def nodes(lab):
    return clean_nodes(lab)


def traffic_node(node, name, offset_hours=1, **changes):
    return {"name": name, "accepting_connections": True, "timezone_offset": offset_hours,
            "public_host": node.entry["hostname"], "public_port": 443, "internal_address": node.address,
            "network_prefixes": ["10.1.0.0/16"], **changes}


def node_states(primary):
    return {entry["name"]: entry for entry in primary.login("GET", "/cluster").json()["node_status"]}


def settled(primary):
    return wait_for(lambda: all(s["state"] != "pending" for s in node_states(primary).values()), timeout=4)


def appliances_xml(node):
    root = ET.fromstring(node.command("get_appliances").content)
    return {a.find(f"{NS}name").text: {child.tag.replace(NS, ""): child.text for child in a} for a in root}


def test_traffic_nodes_get_the_configuration_and_a_wrong_key_is_refused(nodes):
    site1, tn1, tn2 = nodes["site1"], nodes["tn1"], nodes["tn2"]
    tn2.login("PUT", "/security/inter-appliance-key", json={"key": "a-different-key-1"})
    assert site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn1, "tn1")).status_code == 201
    assert site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn2, "tn2", -5.5)).status_code == 201
    assert settled(site1)
    states = node_states(site1)
    assert states["tn1"]["state"] == "ok" and states["tn1"]["last_sync"].endswith("+00:00")
    assert states["tn2"]["state"] == "refused"
    assert "tn2" in states["tn2"]["message"] and "inter-appliance key" in states["tn2"]["message"]
    assert tn1.login("GET", "/cluster").json()["role"] == "traffic"
    assert tn2.login("GET", "/cluster").json()["role"] == "single"
    # Fixing the key and Sync Now brings the node in.
    tn2.login("PUT", "/security/inter-appliance-key", json={"key": "pair-inter-appliance-key"})
    assert site1.login("POST", "/cluster/sync").status_code == 202
    assert settled(site1) and node_states(site1)["tn2"]["state"] == "ok"


def test_cluster_view_of_the_vendor_apis(nodes):
    site1, site2, tn1 = nodes["site1"], nodes["site2"], nodes["tn1"]
    establish(site1, site2)
    site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn1, "tn1", 5.5, accepting_connections=False))
    assert settled(site1)
    view = appliances_xml(site1)
    assert view["site1.cluster.sra.test"]["cluster_role"] == "primary"
    assert view["site1.cluster.sra.test"]["failover_role"] == "primary"
    assert view["site2.cluster.sra.test"]["cluster_role"] == "primary"
    assert view["site2.cluster.sra.test"]["failover_role"] == "backup"
    assert view["tn1"] == {"name": "tn1", "public_hostname": "tn1.cluster.sra.test", "cluster_role": "traffic",
                           "failover_role": "none", "accepting_connections": "0", "timezone_offset": "19800"}
    v2 = {entry["name"]: entry for entry in site1.api("GET", "/api/command/v2/appliance").json()}
    assert v2["tn1"]["timezone_offset"] == 19800 and v2["tn1"]["accepting_connections"] is False
    assert v2["tn1"]["id"] == tn1.control("GET", "/control/state")["appliance_id"]
    own = tn1.api("GET", "/api/command/v2/appliance").json()
    assert [(a["cluster_role"], a["timezone_offset"]) for a in own] == [("traffic", 19800)]
    assert tn1.api("GET", "/api/command/v2/health").json()["cluster_role"] == "traffic"


def test_the_failover_backup_becomes_the_backup_primary_node(nodes):
    site1, site2, tn1 = nodes["site1"], nodes["site2"], nodes["tn1"]
    site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn1, "tn1"))
    establish(site1, site2)
    cluster = site2.login("GET", "/cluster").json()
    assert cluster["role"] == "backup_primary"
    assert cluster["primary_nodes"] == ["site1.cluster.sra.test", "site2.cluster.sra.test"]
    assert site2.api("GET", "/api/command/v2/health").json()["cluster_role"] == "primary"
    refused = site2.login("PUT", "/cluster/method", json={"method": "timezone_offset"})
    assert refused.status_code == 409 and "primary node" in refused.json()["message"]
    on_traffic = tn1.login("POST", "/cluster/sync")
    assert on_traffic.status_code == 409 and "traffic node" in on_traffic.json()["message"]


def test_method_nodes_crud_and_disband(nodes):
    site1, tn1, tn2 = nodes["site1"], nodes["tn1"], nodes["tn2"]
    assert site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn1, "tn1")).status_code == 201
    assert site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn1, "tn1")).status_code == 409
    assert site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn2, "x", 1.1)).status_code == 422
    assert site1.login("POST", "/cluster/traffic-nodes", json=traffic_node(tn2, "tn2")).status_code == 201
    answer = site1.login("PUT", "/cluster/method", json={"method": "timezone_offset"})
    assert answer.status_code == 200 and answer.json()["method"] == "timezone_offset"
    assert site1.login("PUT", "/cluster/method", json={"method": "closest"}).status_code == 422
    assert settled(site1)
    assert wait_for(lambda: tn1.login("GET", "/cluster").json()["method"] == "timezone_offset")
    edited = site1.login("PUT", "/cluster/traffic-nodes/tn1", json=traffic_node(tn1, "tn1", 2))
    assert edited.status_code == 200 and edited.json()["timezone_offset"] == 2
    assert site1.login("PUT", "/cluster/traffic-nodes/tn1", json=traffic_node(tn1, "other")).status_code == 422
    assert site1.login("PUT", "/cluster/traffic-nodes/nope", json=traffic_node(tn1, "nope")).status_code == 404
    assert site1.login("DELETE", "/cluster/traffic-nodes/tn2").status_code == 204
    assert wait_for(lambda: tn2.login("GET", "/cluster").json()["role"] == "single")
    listed = site1.login("GET", "/cluster/traffic-nodes").json()["traffic_nodes"]
    assert [node["name"] for node in listed] == ["tn1"]
    disbanded = site1.login("DELETE", "/cluster")
    assert disbanded.status_code == 200 and disbanded.json()["role"] == "single"
    assert tn1.login("GET", "/cluster").json()["role"] == "single"
    assert site1.login("DELETE", "/cluster").status_code == 409
    assert [a["cluster_role"] for a in site1.api("GET", "/api/command/v2/appliance").json()] == ["single"]
