# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

NAME = "cluster"
NODE = dict(name="tn1.eu-west.example.com", accepting_connections=True, timezone_offset=1,
            public_host="tn1.eu-west.example.com", public_port=443, internal_address="10.1.0.21",
            network_prefixes=[])


@pytest.fixture
def cluster(run, cluster_driver):
    def runner(params, check_mode=False, diff=False):
        return run(NAME, params, cluster_driver, check_mode=check_mode, diff=diff)
    return runner


def test_method_is_set_then_idempotent(cluster, cluster_driver):
    result = cluster(dict(method="timezone_offset"), diff=True)
    assert result["changed"] is True
    assert cluster_driver.cluster_state["method"] == "timezone_offset"
    assert result["diff"] == {"before": {"method": "random"}, "after": {"method": "timezone_offset"}}
    assert result["cluster"]["method"] == "timezone_offset"

    cluster_driver.calls[:] = []
    again = cluster(dict(method="timezone_offset"))
    assert again["changed"] is False
    assert cluster_driver.writes == []
    assert [call[0] for call in cluster_driver.calls] == ["cluster"]


def test_check_mode_predicts_method_and_sync_without_writing(cluster, cluster_driver):
    result = cluster(dict(method="ip_anycast", sync=True), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"] == {"method": "ip_anycast", "sync": "sync now"}
    assert cluster_driver.writes == []


def test_sync_waits_and_reports_node_status(cluster, cluster_driver):
    cluster_driver.cluster_state["traffic_nodes"] = [NODE]
    result = cluster(dict(sync=True, wait_timeout=5))
    assert result["changed"] is True
    assert cluster_driver.syncs == 1
    assert result["node_status"] == [dict(name=NODE["name"], state="ok", message="configuration applied")]
    assert "elapsed" in result


def test_sync_fails_naming_a_node_that_refused(cluster, cluster_driver):
    cluster_driver.cluster_state["traffic_nodes"] = [NODE]
    cluster_driver.refusing.add(NODE["name"])
    result = cluster(dict(sync=True, wait_timeout=5))
    assert result["failed"]
    assert result["changed"] is True
    assert "tn1.eu-west.example.com: refused (inter-appliance key mismatch)" in result["msg"]
    assert "inter-appliance key" in result["msg"]


def test_a_refused_node_is_warned_about_without_sync(cluster, cluster_driver):
    cluster_driver.cluster_state["node_status"] = [dict(name=NODE["name"], state="refused", message="key mismatch")]
    result = cluster(dict(method="random"))
    assert result["changed"] is False
    # ansible-core 2.19 returns warnings as structured events: look in their text.
    assert "traffic node tn1.eu-west.example.com: refused (key mismatch)" in str(result["warnings"])


def test_absent_disbands_then_is_idempotent(cluster, cluster_driver):
    cluster_driver.cluster_state["traffic_nodes"] = [NODE]
    check = cluster(dict(state="absent"), check_mode=True, diff=True)
    assert check["changed"] is True
    assert check["diff"] == {"before": {"role": "primary", "traffic_nodes": [NODE["name"]]},
                             "after": {"role": "single", "traffic_nodes": []}}
    assert cluster_driver.writes == []

    result = cluster(dict(state="absent"))
    assert result["changed"] is True
    assert cluster_driver.cluster_state["role"] == "single"
    cluster_driver.calls[:] = []
    assert cluster(dict(state="absent"))["changed"] is False
    assert cluster_driver.writes == []


@pytest.mark.parametrize("role, words", [("traffic", "a traffic node"), ("backup_primary", "the backup primary node")])
def test_refuses_to_run_off_the_primary(cluster, cluster_driver, role, words):
    cluster_driver.cluster_state["role"] = role
    result = cluster(dict(method="random"))
    assert result["failed"]
    assert "is %s of the cluster: manage the cluster on its primary node" % words in result["msg"]
    assert cluster_driver.writes == []


@pytest.mark.parametrize("params, message", [
    (dict(state="absent", method="random"), "method and sync cannot be given"),
    (dict(state="absent", sync=True), "method and sync cannot be given"),
    (dict(method="round_robin"), "value of method must be one of"),
    (dict(method="random", port=0), "port must be between 1 and 65535"),
])
def test_bad_input_is_refused_before_any_request(cluster, cluster_driver, params, message):
    result = cluster(params)
    assert result["failed"]
    assert message in result["msg"]
    assert cluster_driver.calls == []
