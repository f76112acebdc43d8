# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils._vendor import parse_appliances, parse_xml
from ansible_collections.sra.appliance.plugins.module_utils._waiter import Waiter
from ansible_collections.sra.appliance.plugins.modules import traffic_nodes

NAME = "traffic_nodes"
TN1 = dict(name="tn1.eu-west.example.com", public_host="tn1.eu-west.example.com", internal_address="10.1.0.21",
           timezone_offset=1, network_prefixes=["10.1.0.0/16"])
TN3 = dict(name="tn3.us-east.example.com", public_host="tn3.us-east.example.com", timezone_offset=-5)


def whole(node, **changes):
    result = dict(accepting_connections=True, timezone_offset=0, public_port=443,
                  internal_address=node["public_host"], network_prefixes=[])
    result.update(node)
    result.update(changes)
    return result


@pytest.fixture
def nodes(run, cluster_driver, monkeypatch):
    """Run traffic_nodes against the fake primary; its get_appliances is the fake's view."""
    monkeypatch.setattr(traffic_nodes, "VendorApi", lambda client: client)

    def runner(params, check_mode=False, diff=False):
        params = dict(params)
        params.setdefault("wait_timeout", 0)
        return run(NAME, params, cluster_driver, check_mode=check_mode, diff=diff)
    return runner


def names(driver):
    return [node["name"] for node in driver.cluster_state["traffic_nodes"]]


def test_merged_adds_with_defaults_then_is_idempotent(nodes, cluster_driver):
    result = nodes(dict(config=[TN1, TN3]), diff=True)
    assert result["changed"] is True, result
    assert result["changes"] == [dict(action="add", name=TN1["name"]), dict(action="add", name=TN3["name"])]
    assert cluster_driver.cluster_state["traffic_nodes"] == [whole(TN1), whole(TN3)]
    assert result["diff"]["before"] == {TN1["name"]: None, TN3["name"]: None}
    assert result["mismatches"] == []
    assert len(result["cluster_view"]) == 2

    cluster_driver.calls[:] = []
    again = nodes(dict(config=[TN1, TN3]))
    assert again["changed"] is False
    assert cluster_driver.writes == []
    # An unchanged run reads the cluster page once and the vendor's view once.
    assert [call[0] for call in cluster_driver.calls] == ["cluster", "get_appliances"]
    assert again["mismatches"] == []


def test_taking_a_node_out_of_rotation_is_idempotent(nodes, cluster_driver):
    nodes(dict(config=[TN1, TN3]))
    out = dict(name=TN1["name"], accepting_connections=False)
    result = nodes(dict(config=[out]), diff=True)
    assert result["changed"] is True
    assert result["changes"] == [dict(action="update", name=TN1["name"])]
    assert cluster_driver.cluster_state["traffic_nodes"][0] == whole(TN1, accepting_connections=False)
    assert result["diff"]["after"][TN1["name"]]["accepting_connections"] is False
    assert [item["accepting_connections"] for item in result["cluster_view"]] == [False, True]

    cluster_driver.calls[:] = []
    assert nodes(dict(config=[out]))["changed"] is False
    assert cluster_driver.writes == []


def test_check_mode_predicts_and_writes_nothing(nodes, cluster_driver):
    result = nodes(dict(config=[TN1]), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["after"] == [whole(TN1)]
    assert cluster_driver.writes == []
    assert "get_appliances" not in [call[0] for call in cluster_driver.calls]


def test_replaced_resets_omitted_fields_and_keeps_other_nodes(nodes, cluster_driver):
    nodes(dict(config=[dict(TN1, public_port=8443), TN3]))
    result = nodes(dict(config=[dict(name=TN1["name"], public_host=TN1["public_host"])], state="replaced"))
    assert result["changes"] == [dict(action="update", name=TN1["name"])]
    assert cluster_driver.cluster_state["traffic_nodes"][0] == whole(dict(name=TN1["name"],
                                                                          public_host=TN1["public_host"]))
    assert names(cluster_driver) == [TN1["name"], TN3["name"]]


def test_overridden_removes_nodes_not_given_after_adding(nodes, cluster_driver):
    nodes(dict(config=[TN1]))
    result = nodes(dict(config=[TN3], state="overridden"))
    assert result["changes"] == [dict(action="add", name=TN3["name"]), dict(action="delete", name=TN1["name"])]
    assert names(cluster_driver) == [TN3["name"]]
    assert nodes(dict(config=[TN3], state="overridden"))["changed"] is False


def test_deleted_given_nodes_or_all(nodes, cluster_driver):
    nodes(dict(config=[TN1, TN3]))
    result = nodes(dict(config=[dict(name=TN1["name"])], state="deleted"))
    assert result["changes"] == [dict(action="delete", name=TN1["name"])]
    assert names(cluster_driver) == [TN3["name"]]
    assert nodes(dict(config=[dict(name=TN1["name"])], state="deleted"))["changed"] is False
    assert nodes(dict(state="deleted"))["changed"] is True
    assert names(cluster_driver) == []


def test_gathered_reads_only(nodes, cluster_driver):
    nodes(dict(config=[TN1]))
    cluster_driver.calls[:] = []
    result = nodes(dict(state="gathered"))
    assert result["changed"] is False
    assert result["gathered"] == [whole(TN1)]
    assert [call[0] for call in cluster_driver.calls] == ["cluster"]


def test_prefixes_compare_in_any_order(nodes, cluster_driver):
    node = dict(TN1, network_prefixes=["10.1.0.0/16", "10.9.0.0/16"])
    nodes(dict(config=[node]))
    assert nodes(dict(config=[dict(node, network_prefixes=["10.9.0.0/16", "10.1.0.0/16"])]))["changed"] is False


def test_node_refusing_the_configuration_fails_the_verification(nodes, cluster_driver):
    cluster_driver.refusing.add(TN3["name"])
    result = nodes(dict(config=[TN1, TN3], wait_timeout=5))
    assert result["failed"]
    assert result["changed"] is True
    assert "tn3.us-east.example.com: refused (inter-appliance key mismatch)" in result["msg"]
    assert "check the node's inter-appliance key" in result["msg"]
    assert result["mismatches"] == ["tn3.us-east.example.com: refused (inter-appliance key mismatch)"]


def test_a_refusal_is_reported_again_by_an_unchanged_run(nodes, cluster_driver):
    cluster_driver.refusing.add(TN3["name"])
    nodes(dict(config=[TN1, TN3], wait_timeout=5))
    again = nodes(dict(config=[TN1, TN3]))
    assert again["failed"] and again["changed"] is False
    assert "tn3.us-east.example.com: refused" in again["msg"]


def test_verification_waits_for_the_push(nodes, cluster_driver, monkeypatch):
    monkeypatch.setattr(traffic_nodes, "Waiter", lambda timeout, interval: Waiter(timeout, interval,
                                                                                  sleep=lambda seconds: None))
    cluster_driver.pending_reads = 2
    result = nodes(dict(config=[TN1], wait_timeout=30))
    assert not result.get("failed"), result
    assert result["pending"] == [] and result["node_status"][0]["state"] == "ok"
    assert [call[0] for call in cluster_driver.calls].count("cluster") == 4  # the first read, then three polls
    assert "elapsed" in result


def test_verification_times_out_naming_pending_nodes(nodes, cluster_driver):
    cluster_driver.pending_reads = 100
    result = nodes(dict(config=[TN3], wait_timeout=0))
    assert result["failed"]
    assert "Timed out" in result["msg"] and "still pending: tn3.us-east.example.com" in result["msg"]
    assert result["pending"] == [TN3["name"]]


def test_without_wait_a_pending_push_is_a_warning(nodes, cluster_driver):
    cluster_driver.pending_reads = 100
    result = nodes(dict(config=[TN3], wait=False))
    assert not result.get("failed"), result
    assert "still being pushed to tn3.us-east.example.com" in str(result["warnings"])


def test_refuses_to_run_on_a_traffic_node(nodes, cluster_driver):
    cluster_driver.cluster_state["role"] = "traffic"
    result = nodes(dict(config=[TN1]))
    assert result["failed"]
    assert "is a traffic node of the cluster: manage the cluster on its primary node" in result["msg"]
    assert cluster_driver.writes == []


@pytest.mark.parametrize("node, message", [
    (dict(TN1, public_port=0), "public_port: 0 is not a TCP port; use 1 to 65535"),
    (dict(TN1, public_port=65536), "is not a TCP port"),
    (dict(TN1, network_prefixes=["10.0.0.0/33"]), "prefix 33 of 10.0.0.0 is out of range"),
    (dict(TN1, network_prefixes=["10.1.2.3/16"]), "has host bits set; the network is 10.1.0.0/16"),
    (dict(TN1, network_prefixes=["10.1.0.0"]), "is not a network; write it in CIDR notation"),
    (dict(TN1, timezone_offset=15), "15.0 hours is outside UTC-12 to UTC+14"),
    (dict(TN1, timezone_offset=-12.5), "outside UTC-12 to UTC+14"),
    (dict(TN1, timezone_offset=5.3), "not a whole number of quarter hours"),
    (dict(TN1, public_host=""), "public_host is empty"),
    (dict(TN1, public_host="bad_host.example.com"), "is not a valid host name"),
    (dict(TN1, internal_address="-tn1.example.com"), "internal_address: '-tn1.example.com' is not a valid host"),
    (dict(TN1, internal_address="10.1.0.300"), "is not an IP address"),
    (dict(TN1, name=" "), "config[0].name is empty"),
])
def test_bad_input_is_refused_before_any_request(nodes, cluster_driver, node, message):
    result = nodes(dict(config=[node]))
    assert result["failed"]
    assert message in result["msg"]
    assert cluster_driver.calls == []


def test_two_nodes_with_one_internal_address_are_refused(nodes, cluster_driver):
    result = nodes(dict(config=[TN1, dict(TN3, internal_address=TN1.get("internal_address") or TN1["public_host"])]))
    assert result["failed"] and "config[1] (%s): internal address" % TN3["name"] in result["msg"]
    assert "is already that of config[0] (%s)" % TN1["name"] in result["msg"]
    assert cluster_driver.calls == []


def test_a_node_at_the_primary_nodes_address_is_refused(nodes, cluster_driver):
    result = nodes(dict(config=[dict(TN1, internal_address="192.0.2.10")]))
    assert result["failed"] and "internal_address 192.0.2.10 is the address of the primary node" in result["msg"]
    assert cluster_driver.calls == []


def test_duplicate_names_are_refused(nodes, cluster_driver):
    result = nodes(dict(config=[TN1, dict(TN3, name=TN1["name"])]))
    assert result["failed"]
    assert "config[1]: the name tn1.eu-west.example.com is already used by config[0]" in result["msg"]
    assert cluster_driver.calls == []


def test_new_node_needs_a_public_host(nodes, cluster_driver):
    result = nodes(dict(config=[dict(name="tn9", accepting_connections=False)]))
    assert result["failed"]
    assert "tn9 is a new traffic node: public_host is required" in result["msg"]
    assert cluster_driver.writes == []


def test_replaced_needs_a_public_host(nodes, cluster_driver):
    result = nodes(dict(config=[dict(name=TN1["name"])], state="replaced"))
    assert result["failed"]
    assert "public_host is required with state=replaced" in result["msg"]
    assert cluster_driver.calls == []


# -- the comparison, on get_appliances as the vendor writes it ------------------------------

APPLIANCES_XML = """<?xml version="1.0" encoding="UTF-8"?>

<appliances xmlns="https://www.beyondtrust.com/namespaces/API/command">
  <appliance id="00000000000000000000000000000001">
    <name>site1.example.com</name><public_hostname>site1.example.com</public_hostname>
    <cluster_role>primary</cluster_role><failover_role>primary</failover_role>
    <accepting_connections>1</accepting_connections><timezone_offset>0</timezone_offset>
  </appliance>
  <appliance id="00000000000000000000000000000002">
    <name>tn1.eu-west.example.com</name><public_hostname>tn1.eu-west.example.com</public_hostname>
    <cluster_role>traffic</cluster_role><failover_role>none</failover_role>
    <accepting_connections>0</accepting_connections><timezone_offset>19800</timezone_offset>
  </appliance>
</appliances>
"""


def view():
    return parse_appliances(parse_xml(APPLIANCES_XML, "get_appliances"))


def test_view_matches_in_seconds():
    node = whole(TN1, accepting_connections=False, timezone_offset=5.5)
    assert traffic_nodes.cluster_view_mismatches([node], view()) == []


def test_view_mismatches_are_named():
    node = whole(TN1, accepting_connections=True, timezone_offset=1)
    problems = traffic_nodes.cluster_view_mismatches([node, whole(TN3)], view())
    assert problems == [
        "tn1.eu-west.example.com: get_appliances reports accepting_connections=False, intended True",
        "tn1.eu-west.example.com: get_appliances reports timezone_offset=19800 s, intended 3600 s (1 h)",
        "tn3.us-east.example.com is not listed as a traffic node by get_appliances",
    ]


def test_view_matches_nodes_by_name_not_public_address():
    """Two nodes may share a Public Address; the Name is what identifies one."""
    other = whole(dict(TN1, name="tn1-renamed"), accepting_connections=False, timezone_offset=5.5)
    assert traffic_nodes.cluster_view_mismatches([other], view()) == [
        "tn1-renamed is not listed as a traffic node by get_appliances",
        "tn1.eu-west.example.com is listed as a traffic node by get_appliances but is not configured",
    ]


def test_view_reports_unconfigured_traffic_nodes():
    problems = traffic_nodes.cluster_view_mismatches([], view())
    assert problems == ["tn1.eu-west.example.com is listed as a traffic node by get_appliances but is not configured"]


def test_empty_overridden_is_refused_before_any_request(nodes, cluster_driver):
    nodes(dict(config=[TN1]))
    cluster_driver.calls[:] = []
    result = nodes(dict(config=[], state="overridden"))
    assert result["failed"] and "would remove every traffic node of the appliance" in result["msg"]
    assert "allow_empty=true" in result["msg"]
    assert cluster_driver.calls == [] and names(cluster_driver) == [TN1["name"]]
    result = nodes(dict(config=[], state="overridden", allow_empty=True))
    assert result["changes"] == [dict(action="delete", name=TN1["name"])] and names(cluster_driver) == []


def test_commands_say_what_changes_in_words(nodes, cluster_driver):
    result = nodes(dict(config=[TN1]), check_mode=True)
    assert result["commands"] == ["add traffic node tn1.eu-west.example.com (public tn1.eu-west.example.com:443, "
                                  "internal 10.1.0.21, offset 1 h, prefixes [10.1.0.0/16], accepting connections)"]
    nodes(dict(config=[TN1]))
    result = nodes(dict(config=[dict(name=TN1["name"], accepting_connections=False, timezone_offset=2)]))
    assert result["commands"] == ["update traffic node tn1.eu-west.example.com: accepting_connections: true -> "
                                  "false, timezone_offset: 1.0 -> 2.0"]
    assert nodes(dict(config=[], state="deleted"))["commands"] == ["delete traffic node tn1.eu-west.example.com"]
