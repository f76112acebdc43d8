# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outage tracker of automatic failover: the pair's look, then sequences of polls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _pair as engine
from ansible_collections.sra.appliance.plugins.module_utils import _pair_watch as watch

NP, NB = "site1", "site2"
UP, SICK, LOST, DOWN, BROKEN = "up", "sick", "lost", "down", "broken"
MESSAGES = {SICK: "disk full", LOST: "Unable to reach the primary site instance site1."}
ADDRESSES = {NP: "10.0.1.11", NB: "10.0.2.12"}


def view(name, normal, role, how=UP, shared=()):
    if how == DOWN:
        return engine.appliance_view(name, ADDRESSES[name], normal, None, dict(healthy=False, status=None),
                                     "cannot connect: refused", "unreachable")
    if how == BROKEN:
        return engine.appliance_view(name, ADDRESSES[name], normal, None, None, "TLS verification failed", "error")
    health = dict(role=role, success=how == UP, error_message=MESSAGES.get(how), enabled_shared_ips=list(shared),
                  last_data_sync_time="2026-12-01T10:00:00+00:00", last_data_sync_epoch=100,
                  last_data_sync_status="Success", version="24.3.1", build="1", hostname=name + ".example.com",
                  appliance_id="id-" + name, cluster_role="single")
    return engine.appliance_view(name, ADDRESSES[name], normal, health)


def pair(np_role, nb_role, np_how=UP, nb_how=UP, np_shared=(), nb_shared=()):
    return engine.pair_state(view(NP, "primary", np_role, np_how, np_shared),
                             view(NB, "backup", nb_role, nb_how, nb_shared))


CONNECTED = watch.controller_view([dict(target="10.0.0.1:443", ok=True)])
CUT_OFF = watch.controller_view([dict(target="10.0.0.1:443", ok=False, error="refused")])
AUTO_ON = watch.settings_reading(dict(backup_operations=True, automatic_failover=True))
AUTO_OFF = watch.settings_reading(dict(backup_operations=True, automatic_failover=False))
NO_API = watch.settings_reading(error="HTTP 404", missing=True)

# Named pair states for the sequences.
NORMAL = pair("primary", "backup")
NP_DOWN = pair(None, "backup", np_how=DOWN)
NP_DOWN_LOST = pair(None, "backup", np_how=DOWN, nb_how=LOST)
NP_DOWN_SICK = pair(None, "backup", np_how=DOWN, nb_how=SICK)
FAILED_OVER_NP_DOWN = pair(None, "primary", np_how=DOWN)
FAILED_OVER = pair("backup", "primary")
BOTH_PRIMARY = pair("primary", "primary")
NB_DOWN_NP_BACKUP = pair("backup", None, nb_how=DOWN)


def obs(state, controller=None, settings=None, dns=None):
    found = dict(state=state, controller=controller or CONNECTED, swing_addresses=dict(ADDRESSES))
    if settings is not None:
        found["backup_settings"] = settings
    if dns is not None:
        found["dns_addresses"] = dns
    return found


# -- what the pair looks like --------------------------------------------------------------------------
@pytest.mark.parametrize("state, kind, flow, subject, promote", [
    (NORMAL, watch.NORMAL, None, None, None),
    (FAILED_OVER, watch.NORMAL, None, None, None),
    (pair("primary", "backup", np_how=SICK), watch.PRIMARY_UNHEALTHY, None, NP, None),
    (pair("backup", "primary", nb_how=SICK), watch.PRIMARY_UNHEALTHY, None, NB, None),
    (pair("primary", "backup", nb_how=SICK), watch.BACKUP_UNHEALTHY, None, NB, None),
    (NP_DOWN, watch.PRIMARY_DOWN, "unplanned_failover", NP, NB),
    (NP_DOWN_LOST, watch.PRIMARY_DOWN, "unplanned_failover", NP, NB),     # the backup's own view of the outage
    (NP_DOWN_SICK, watch.BACKUP_UNHEALTHY, None, NB, None),               # a problem of the backup itself
    (FAILED_OVER_NP_DOWN, watch.BACKUP_UNHEALTHY, None, NP, None),        # the old primary, now backup, is down
    (pair(None, "primary", np_how=DOWN, nb_how=SICK), watch.BACKUP_UNHEALTHY, None, NP, None),
    (NB_DOWN_NP_BACKUP, watch.PRIMARY_DOWN, "failback", NB, NP),
    (pair("backup", None, np_how=LOST, nb_how=DOWN), watch.PRIMARY_DOWN, "failback", NB, NP),
    (pair("primary", None, nb_how=DOWN), watch.BACKUP_UNHEALTHY, None, NB, None),
    (BOTH_PRIMARY, watch.BOTH_PRIMARY, "resolve_conflict", None, None),
    (pair("backup", "backup"), watch.UNCLEAR, None, None, None),
    (pair(None, None, np_how=DOWN, nb_how=DOWN), watch.UNCLEAR, None, None, None),
    (pair(None, "backup", np_how=DOWN, nb_how=BROKEN), watch.UNCLEAR, None, None, None),
    (pair("none", "none"), watch.UNCLEAR, None, None, None),
])
def test_situation(state, kind, flow, subject, promote):
    found = watch.situation(state)
    assert (found["kind"], found["flow"], found["subject"], found["promote"]) == (kind, flow, subject, promote)
    assert found["reason"]


def test_failback_of_a_down_current_primary_is_forced():
    assert watch.situation(NB_DOWN_NP_BACKUP)["options"] == dict(force=True)


@pytest.mark.parametrize("message, lost", [
    ("Unable to reach the primary site instance site1.", True),
    ("Cannot contact the primary", True),
    ("disk full", False),
    ("", False),
    (None, False),
])
def test_primary_lost_wording(message, lost):
    assert watch.primary_lost(message) is lost


def test_primary_lost_wording_is_configurable():
    assert watch.primary_lost("Peer verloren", ["peer verloren"]) is True
    state = NP_DOWN_SICK
    assert watch.situation(state, ["disk full"])["kind"] == watch.PRIMARY_DOWN


@pytest.mark.parametrize("results, connected, reached", [
    ([dict(target="a:443", ok=True), dict(target="b:443", ok=False, error="refused")], True, ["a:443"]),
    ([dict(target="a:443", ok=False, error="timed out")], False, []),
    ([], False, []),
])
def test_controller_view(results, connected, reached):
    found = watch.controller_view(results)
    assert (found["connected"], found["reached"]) == (connected, reached)


@pytest.mark.parametrize("settings, on", [
    (dict(backup_operations=True, automatic_failover=True), True),
    (dict(backup_operations=False, automatic_failover=True), False),   # backup operations gate it
    (dict(backup_operations=True, automatic_failover=False), False),
])
def test_settings_reading(settings, on):
    assert watch.settings_reading(settings)["on"] is on


def test_settings_reading_without_the_management_api_says_it_must_be_off():
    reading = watch.settings_reading(error="HTTP 404", missing=True)
    assert reading["on"] is None and reading["readable"] is False and "must be off" in reading["message"]
    assert "must be off" in watch.settings_reading(skipped=True)["message"]


# -- sequences of polls -----------------------------------------------------------------------------------
def run(tracker, polls, settings=None):
    """Each poll is (seconds, observation); the poller reads the settings the tracker asks for (off by default)."""
    settings = settings or AUTO_OFF
    events = []
    for now, observation in polls:
        guarded = tracker.needs_settings(observation, now)
        if guarded and "backup_settings" not in observation:
            observation = dict(observation, backup_settings={guarded: settings})
        events.append(tracker.observe(observation, now))
    return events


def statuses(events):
    return [event["action"]["status"] for event in events]


H, R, D, I = watch.HOLDING, watch.RUN, watch.DONE, watch.IDLE


@pytest.mark.parametrize("name, polls, expected", [
    ("hold-down: act once the primary was seen down for 30 s",
     [(t, obs(NP_DOWN)) for t in (0, 10, 20, 30, 40)], [H, H, H, R, D]),
    ("a flap resets the hold-down",
     [(0, obs(NP_DOWN)), (10, obs(NP_DOWN)), (20, obs(NORMAL)), (25, obs(NP_DOWN)), (45, obs(NP_DOWN)),
      (55, obs(NP_DOWN))], [H, H, I, H, H, R]),
    ("the controller cut off: never, and its poll resets the hold-down",
     [(0, obs(NP_DOWN)), (20, obs(NP_DOWN, CUT_OFF)), (30, obs(NP_DOWN, CUT_OFF)), (40, obs(NP_DOWN)),
      (60, obs(NP_DOWN)), (70, obs(NP_DOWN))], [H, I, I, H, H, R]),
    ("the backup unhealthy: never, and its poll resets the hold-down",
     [(0, obs(NP_DOWN)), (20, obs(NP_DOWN_SICK)), (40, obs(NP_DOWN)), (70, obs(NP_DOWN))], [H, I, H, R]),
    ("the backup's own 'cannot reach the primary' is the outage, not a problem",
     [(0, obs(NP_DOWN_LOST)), (30, obs(NP_DOWN_LOST))], [H, R]),
    ("never twice in one outage, even when the state looks the same again",
     [(0, obs(NP_DOWN)), (30, obs(NP_DOWN)), (40, obs(FAILED_OVER_NP_DOWN)), (50, obs(NP_DOWN)),
      (90, obs(NP_DOWN))], [H, R, I, D, D]),
    ("a pair seen normal ends the outage: the next one may act again",
     [(0, obs(NP_DOWN)), (30, obs(NP_DOWN)), (40, obs(NORMAL)), (50, obs(NP_DOWN)), (80, obs(NP_DOWN))],
     [H, R, I, H, R]),
    ("the current primary is the normal backup and it is down: failback, forced",
     [(0, obs(NB_DOWN_NP_BACKUP)), (30, obs(NB_DOWN_NP_BACKUP))], [H, R]),
    ("both primary holds down as well",
     [(0, obs(BOTH_PRIMARY, dns=[ADDRESSES[NB]])), (15, obs(BOTH_PRIMARY, dns=[ADDRESSES[NB]])),
      (30, obs(BOTH_PRIMARY, dns=[ADDRESSES[NB]]))], [H, H, R]),
])
def test_sequences(name, polls, expected):
    assert statuses(run(watch.Tracker(hold_down=30), polls)) == expected, name


def test_the_run_event_carries_the_flow_and_its_extra_vars_from_the_engine():
    events = run(watch.Tracker(hold_down=0), [(0, obs(NP_DOWN))])
    action = events[0]["action"]
    assert action["run"] is True and action["flow"] == "unplanned_failover"
    assert action["playbook"] == "sra.appliance.unplanned_failover" and action["extra_vars"] == {}
    assert action["decision"]["action"] == engine.CHANGE
    assert action["decision"]["steps"][0]["host"] == NB and action["decision"]["steps"][0]["role"] == "primary"
    assert events[0]["kind"] == watch.PRIMARY_DOWN and events[0]["down"]["name"] == NP
    failback = run(watch.Tracker(hold_down=0), [(0, obs(NB_DOWN_NP_BACKUP))])[0]["action"]
    assert failback["playbook"] == "sra.appliance.failback" and failback["extra_vars"] == dict(sra_failback_force=True)


def test_both_primary_keeps_the_appliance_the_site_name_points_at():
    event = run(watch.Tracker(hold_down=0), [(0, obs(BOTH_PRIMARY, dns=[ADDRESSES[NB]]))])[0]
    assert event["action"]["status"] == R and event["action"]["flow"] == "resolve_conflict"
    assert event["action"]["decision"]["target"] == dict(primary=NB, backup=NP)
    assert event["action"]["extra_vars"] == dict(sra_conflict_primary=NB)


def test_both_primary_falls_back_to_the_appliance_this_watcher_promoted():
    tracker = watch.Tracker(hold_down=0)
    events = run(tracker, [(0, obs(NP_DOWN)), (10, obs(FAILED_OVER_NP_DOWN)), (20, obs(BOTH_PRIMARY))])
    assert statuses(events) == [R, I, R]
    assert events[2]["action"]["decision"]["target"]["primary"] == NB
    assert "the operator chose site2" in events[2]["action"]["decision"]["reason"]


def test_both_primary_without_a_tie_breaker_is_refused_with_the_engines_reason():
    event = run(watch.Tracker(hold_down=0), [(0, obs(BOTH_PRIMARY))])[0]
    assert event["action"]["status"] == watch.REFUSED and event["action"]["run"] is False
    assert "cannot be chosen" in event["reason"]


def test_both_primary_is_decided_by_the_shared_ip_first():
    state = pair("primary", "primary", np_shared=["10.0.0.52"])
    event = run(watch.Tracker(hold_down=0), [(0, obs(state, dns=[ADDRESSES[NB]]))])[0]
    assert event["action"]["decision"]["target"]["primary"] == NP


def test_built_in_automatic_failover_on_refuses_and_says_why():
    tracker = watch.Tracker(hold_down=0)
    events = run(tracker, [(0, obs(NP_DOWN))], settings=AUTO_ON)
    assert statuses(events) == [watch.REFUSED]
    assert "built-in automatic failover is on in the backup settings of site2" in events[0]["reason"]
    assert "could result in conflict" in events[0]["reason"]
    # Nothing was marked as done: once it is off, the next poll acts.
    assert statuses(run(tracker, [(10, obs(NP_DOWN))], settings=AUTO_OFF)) == [R]


def test_settings_that_cannot_be_read_do_not_block_but_are_noted():
    event = run(watch.Tracker(hold_down=0), [(0, obs(NP_DOWN))], settings=NO_API)[0]
    assert event["action"]["status"] == R and "must be off" in event["action"]["notes"][0]


def test_the_settings_checked_are_those_of_the_appliance_that_is_or_becomes_backup():
    tracker = watch.Tracker(hold_down=0)
    assert tracker.needs_settings(obs(NP_DOWN), 0) == NB
    assert tracker.needs_settings(obs(NB_DOWN_NP_BACKUP), 0) == NP
    assert tracker.needs_settings(obs(BOTH_PRIMARY, dns=[ADDRESSES[NB]]), 0) == NP


def test_settings_are_asked_for_only_when_everything_else_says_act():
    tracker = watch.Tracker(hold_down=30)
    assert tracker.needs_settings(obs(NORMAL), 0) is None
    assert tracker.needs_settings(obs(NP_DOWN), 0) is None          # holding down
    assert tracker.needs_settings(obs(NP_DOWN, CUT_OFF), 0) is None
    assert tracker.needs_settings(obs(BOTH_PRIMARY), 0) is None     # refused by the engine anyway


def test_dry_run_reports_what_it_would_do_once_per_outage():
    events = run(watch.Tracker(hold_down=0, dry_run=True), [(0, obs(NP_DOWN)), (10, obs(NP_DOWN))])
    assert statuses(events) == [watch.DRY_RUN, D]
    assert events[0]["action"]["run"] is False and events[0]["action"]["flow"] == "unplanned_failover"
    assert "would run sra.appliance.unplanned_failover" in events[0]["reason"] and "dry run" in events[0]["reason"]


def test_the_controller_cut_off_is_its_own_kind_whatever_the_pair_looks_like():
    for state in (NORMAL, NP_DOWN, BOTH_PRIMARY):
        event = run(watch.Tracker(hold_down=0), [(0, obs(state, CUT_OFF))])[0]
        assert event["kind"] == watch.CONTROLLER_ISOLATED and event["action"]["status"] == I
        assert "10.0.0.1:443: refused" in event["reason"]


def test_the_event_says_when_the_down_appliance_last_answered_healthy():
    tracker = watch.Tracker(hold_down=30)
    events = run(tracker, [(1000, obs(NORMAL)), (1010, obs(NP_DOWN)), (1030, obs(NP_DOWN))])
    assert events[2]["down"] == dict(name=NP, seen_for=20, last_healthy=watch.iso(1000))
    assert events[2]["outage"]["since"] == watch.iso(1010)


def test_the_memory_survives_a_json_round_trip():
    tracker = watch.Tracker(hold_down=30)
    run(tracker, [(0, obs(NP_DOWN)), (20, obs(NP_DOWN))])
    again = watch.Tracker(hold_down=30, memory=json.loads(json.dumps(tracker.memory)))
    assert statuses(run(again, [(30, obs(NP_DOWN)), (40, obs(NP_DOWN))])) == [R, D]


def test_signature_changes_only_with_news():
    tracker = watch.Tracker(hold_down=30)
    events = run(tracker, [(0, obs(NP_DOWN)), (10, obs(NP_DOWN)), (30, obs(NP_DOWN))])
    assert watch.signature(events[0]) == watch.signature(events[1])
    assert watch.signature(events[1]) != watch.signature(events[2])


def test_hold_down_must_not_be_negative():
    with pytest.raises(ValueError, match="hold_down"):
        watch.Tracker(hold_down=-1)
