# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan callback: what it records, which status it gives, when it ends the run.

A callback is controller code: importing it (through ansible.plugins.callback) switches
ansible.module_utils into controller mode, where module warnings go to the display instead of
into the module's result. The module tests in the same pytest run need target mode, so this file
imports the callback only inside the `plan` fixture and puts the mode back after each test.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
import stat

import pytest
import yaml

from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.common.collections import ImmutableDict

PLAN = "ansible_collections.sra.appliance.plugins.callback.plan"


@pytest.fixture
def plan(monkeypatch):
    # Recorded before the import flips it, restored by monkeypatch after the test.
    monkeypatch.setattr(module_utils_internal, "is_controller", module_utils_internal.is_controller)
    return importlib.import_module(PLAN)


@pytest.fixture
def context(plan, monkeypatch):
    from ansible import context as ansible_context  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(ansible_context, "CLIARGS", run_args())
    return ansible_context


# -- fakes of what ansible-playbook hands a callback ------------------------------------------
class Named(object):
    def __init__(self, name, collection=None):
        self.name = name
        self.collection = collection

    def get_name(self, include_role_fqcn=True):
        if include_role_fqcn and self.collection:
            return self.collection + "." + self.name
        return self.name


class FakeTask(Named):
    def __init__(self, name, action="sra.appliance.network_settings", role=None):
        super(FakeTask, self).__init__(name)
        self.action = action
        self.resolved_action = action
        self._role = Named(role, "sra.appliance") if role else None


class FakeResult(object):
    def __init__(self, host, task, payload):
        self.host = Named(host)
        self.task = task
        self.result = payload


def run_args(**kwargs):
    values = dict(check=True, diff=True, args=("playbooks/site.yml",))
    values.update(kwargs)
    return ImmutableDict(values)


@pytest.fixture
def callback(plan, context, tmp_path):
    module = plan.CallbackModule()
    module._plugin_options = dict(plan_file=str(tmp_path / "plan.json"), drift_exit_code=3)
    return module


def read_plan(callback):
    with open(callback.get_option("plan_file")) as handle:
        return json.load(handle)


def stats_for(**per_host):
    """AggregateStats with counters per host (its own names: failures, dark for unreachable, ...)."""
    from ansible.executor.stats import AggregateStats  # pylint: disable=import-outside-toplevel
    stats = AggregateStats()
    for host, counters in per_host.items():
        stats.increment("ok", host)
        for what, count in counters.items():
            for _count in range(count):
                stats.increment(what, host)
    return stats


def start(callback):
    callback.v2_playbook_on_start(Named("site"))
    callback.v2_playbook_on_play_start(Named("Network, certificates and inter-appliance key"))


GATEWAY_DIFF = dict(before=dict(gateway=dict(address="127.0.10.254")), after=dict(gateway=dict(address="127.0.10.1")))


# -- records ----------------------------------------------------------------------------------
def test_outcome_record_keeps_changed_diff_msg_and_warnings(plan):
    record = plan.outcome_record(dict(changed=True, diff=GATEWAY_DIFF, msg="gateway set", invocation={"x": 1}),
                                 warnings=["key not set yet"])
    assert record == dict(changed=True, diff=[GATEWAY_DIFF], msg="gateway set", warnings=["key not set yet"])


def test_outcome_record_of_a_censored_result_keeps_only_that_it_changed(plan):
    censored = {"censored": "the output has been hidden due to the fact that 'no_log: true' was specified",
                "changed": True}
    assert plan.outcome_record(censored) == dict(changed=True, censored=True)
    assert plan.outcome_record(dict(_ansible_no_log=True, changed=False, diff=GATEWAY_DIFF, msg="s3cret")) == \
        dict(changed=False, censored=True)


def test_loop_items_lists_changed_and_failed_items_with_their_label(plan):
    payload = dict(changed=True, results=[
        dict(changed=False, item="eth0"),
        dict(changed=True, _ansible_item_label="eth1", diff=dict(before="", after="10.0.0.1/24")),
        dict(failed=True, item="eth2", msg="refused"),
        dict(changed=True, _ansible_no_log=True, item="secret item"),
    ])
    assert plan.loop_items(payload) == [
        dict(changed=True, item="eth1", diff=[dict(before="", after="10.0.0.1/24")]),
        dict(changed=False, item="eth2", msg="refused", failed=True),
        dict(changed=True, censored=True, item="secret item"),
    ]


@pytest.mark.parametrize("totals, check_mode, status", [
    (dict(failures=0, unreachable=0, changed=0), True, "in_sync"),
    (dict(failures=0, unreachable=0, changed=2), True, "drift"),
    (dict(failures=0, unreachable=0, changed=2), False, "changed"),
    (dict(failures=1, unreachable=0, changed=2), True, "error"),
    (dict(failures=0, unreachable=1, changed=0), True, "error"),
])
def test_plan_status(totals, check_mode, status, plan):
    assert plan.plan_status(totals, check_mode) == status


@pytest.mark.parametrize("status, check_mode, code, expected", [
    ("drift", True, 3, 3),
    ("drift", True, 0, None),
    ("drift", False, 3, None),
    ("in_sync", True, 3, None),
    ("error", True, 3, None),
    ("changed", False, 3, None),
])
def test_exit_code_only_for_drift_in_check_mode(status, check_mode, code, expected, plan):
    assert plan.exit_code_for(status, check_mode, code) == expected


def test_write_atomically_leaves_a_private_file_and_no_temporary(tmp_path, plan):
    path = str(tmp_path / "plan.json")
    plan.write_atomically(path, dict(status="in_sync"))
    plan.write_atomically(path, dict(status="drift"))
    assert json.load(open(path)) == dict(status="drift")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ["plan.json"]


def test_values_json_cannot_write_are_text_and_vaulted_ones_masked(tmp_path, plan):
    class AnsibleVaultEncryptedUnicode(object):
        def __str__(self):
            return "decrypted secret"

    class Other(object):
        def __str__(self):
            return "other"

    path = str(tmp_path / "plan.json")
    plan.write_atomically(path, dict(vaulted=AnsibleVaultEncryptedUnicode(), other=Other()))
    assert json.load(open(path)) == dict(vaulted=plan.MASK, other="other")


# -- the callback through a run -------------------------------------------------------------
def test_the_plan_is_written_as_incomplete_error_when_the_run_starts(callback, plan):
    start(callback)
    document = read_plan(callback)
    assert (document["status"], document["complete"], document["exit_code"]) == ("error", False, None)
    assert document["format"] == plan.PLAN_FORMAT
    assert document["playbooks"] == ["playbooks/site.yml"]


def test_in_sync_run_exits_as_ansible_playbook_does(callback):
    start(callback)
    callback.v2_runner_on_ok(FakeResult("site1", FakeTask("Read"), dict(changed=False)))
    callback.v2_playbook_on_stats(stats_for(site1={}, site2={}))
    document = read_plan(callback)
    assert (document["status"], document["complete"], document["exit_code"]) == ("in_sync", True, None)
    assert document["summary"]["changed_tasks"] == 0
    assert document["hosts"]["site1"]["stats"]["ok"] == 1


def test_drift_is_listed_per_host_and_task_and_ends_the_run_with_the_drift_code(callback):
    start(callback)
    task = FakeTask("sra.appliance.network : Set the default gateway", role="network")
    callback.v2_runner_on_ok(FakeResult("tn1", task, dict(changed=True, diff=GATEWAY_DIFF)))
    with pytest.raises(SystemExit) as ended:
        callback.v2_playbook_on_stats(stats_for(tn1=dict(changed=1), tn2={}))
    assert ended.value.code == 3
    document = read_plan(callback)
    assert (document["status"], document["exit_code"]) == ("drift", 3)
    assert document["summary"]["changed_hosts"] == ["tn1"]
    assert document["hosts"]["tn1"]["changes"] == [dict(
        play="Network, certificates and inter-appliance key", task="sra.appliance.network : Set the default gateway",
        role="network", action="sra.appliance.network_settings", changed=True, diff=[GATEWAY_DIFF])]


def test_drift_exit_code_zero_leaves_the_status_to_ansible_playbook(callback):
    callback._plugin_options["drift_exit_code"] = 0
    start(callback)
    callback.v2_runner_on_ok(FakeResult("tn1", FakeTask("Set"), dict(changed=True)))
    callback.v2_playbook_on_stats(stats_for(tn1=dict(changed=1)))
    assert (read_plan(callback)["status"], read_plan(callback)["exit_code"]) == ("drift", None)


def test_an_error_is_never_turned_into_drift(callback):
    start(callback)
    callback.v2_runner_on_ok(FakeResult("tn1", FakeTask("Set"), dict(changed=True)))
    callback.v2_runner_on_failed(FakeResult("site1", FakeTask("Sign in"), dict(msg="401 from site1")))
    callback.v2_runner_on_unreachable(FakeResult("site2", FakeTask("Sign in"), dict(msg="connection refused")))
    callback.v2_playbook_on_stats(stats_for(tn1=dict(changed=1), site1=dict(failures=1), site2=dict(dark=1)))
    document = read_plan(callback)
    assert (document["status"], document["exit_code"]) == ("error", None)
    assert document["summary"]["failed_hosts"] == ["site1", "site2"]
    assert document["hosts"]["site1"]["errors"][0]["msg"] == "401 from site1"
    assert document["hosts"]["site2"]["errors"][0]["unreachable"] is True


def test_the_warnings_of_a_task_that_changes_nothing_are_listed_and_are_not_drift(callback):
    """An IP the inventory does not name (network_ips under merged) is a difference the plan shows, not drift."""
    start(callback)
    task = FakeTask("sra.appliance.network : Set the IPs", action="sra.appliance.network_ips", role="network")
    warning = "eth0 of 127.0.10.12 also has 127.0.10.77/24, which config does not name"
    callback.v2_runner_on_ok(FakeResult("site2", task, dict(changed=False, warnings=[warning])))
    callback.v2_runner_on_ok(FakeResult("site2", FakeTask("Set the key"), {"censored": "hidden", "warnings": ["s3cret"]}))
    callback.v2_runner_on_ok(FakeResult("site1", task, dict(changed=False)))
    callback.v2_playbook_on_stats(stats_for(site1={}, site2={}))
    document = read_plan(callback)
    assert (document["status"], document["exit_code"]) == ("in_sync", None)
    assert (document["summary"]["changed_tasks"], document["summary"]["warned_tasks"]) == (0, 1)
    assert document["hosts"]["site2"]["warnings"] == [dict(
        play="Network, certificates and inter-appliance key", task="sra.appliance.network : Set the IPs",
        role="network", action="sra.appliance.network_ips", warnings=[warning])]
    assert document["hosts"]["site1"]["warnings"] == []


def test_ignored_failures_are_not_errors(callback):
    start(callback)
    callback.v2_runner_on_failed(FakeResult("site1", FakeTask("Probe"), dict(msg="down")), ignore_errors=True)
    callback.v2_playbook_on_stats(stats_for(site1=dict(ignored=1)))
    document = read_plan(callback)
    assert document["status"] == "in_sync"
    assert document["hosts"]["site1"]["errors"] == []


def test_a_censored_failure_keeps_no_message(callback):
    start(callback)
    callback.v2_runner_on_failed(FakeResult("site1", FakeTask("Set the key"),
                                            {"censored": "hidden", "msg": "key s3cret refused"}))
    callback.v2_playbook_on_stats(stats_for(site1=dict(failures=1)))
    assert read_plan(callback)["hosts"]["site1"]["errors"][0]["msg"] == ""


def test_outside_check_mode_the_plan_reports_changes_and_never_sets_the_status(callback, context, monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", run_args(check=False, diff=False))
    start(callback)
    callback.v2_runner_on_ok(FakeResult("tn1", FakeTask("Set"), dict(changed=True)))
    callback.v2_playbook_on_stats(stats_for(tn1=dict(changed=1)))
    document = read_plan(callback)
    assert (document["status"], document["exit_code"], document["check_mode"]) == ("changed", None, False)


def test_with_several_playbooks_only_the_last_stats_end_the_run(callback, context, monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", run_args(args=("playbooks/site.yml", "playbooks/health.yml")))
    start(callback)
    callback.v2_runner_on_ok(FakeResult("tn1", FakeTask("Set"), dict(changed=True)))
    callback.v2_playbook_on_stats(stats_for(tn1=dict(changed=1)))
    assert read_plan(callback)["complete"] is False
    callback.v2_playbook_on_start(Named("health"))
    with pytest.raises(SystemExit):
        callback.v2_playbook_on_stats(stats_for(tn1=dict(changed=1)))
    assert read_plan(callback)["complete"] is True


def test_warnings_of_2_19_summaries_and_of_older_payloads_are_text(plan):
    class Event(object):
        msg = "precondition taken from the intended values"

    class Summary(object):
        event = Event()

    class NewResult(object):
        warnings = [Summary()]

    class OldResult(object):
        pass

    assert plan._result_warnings(NewResult(), {}) == ["precondition taken from the intended values"]
    assert plan._result_warnings(OldResult(), dict(warnings=["old style"])) == ["old style"]


def test_documentation_declares_the_options_the_callback_reads(plan):
    options = yaml.safe_load(plan.DOCUMENTATION)["options"]
    assert options["plan_file"]["default"] == "sra-plan.json"
    assert options["plan_file"]["env"] == [dict(name="SRA_PLAN_FILE")]
    assert options["drift_exit_code"]["default"] == 3
    assert options["drift_exit_code"]["env"] == [dict(name="SRA_PLAN_DRIFT_EXIT_CODE")]
