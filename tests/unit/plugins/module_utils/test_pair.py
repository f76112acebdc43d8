# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair engine, table by table: every state x every flow x every tie-breaker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _pair as engine

NP, NB = "site1", "site2"
UP = "up"            # answers, healthy
SICK = "sick"        # answers, success 0
DOWN = "down"        # no connection, probe fails
BROKEN = "broken"    # answers with an error (TLS, credentials)


def health(role, success=True, shared=(), sync_epoch=None, sync_status=None, ident=None, message=None):
    return dict(role=role, success=success, error_message=message, enabled_shared_ips=list(shared),
                last_data_sync_time="t%s" % sync_epoch if sync_epoch else None, last_data_sync_epoch=sync_epoch,
                last_data_sync_status=sync_status, version="24.3.1", build="1", hostname=ident,
                appliance_id=ident, cluster_role="single")


def view(name, normal, role, how=UP, shared=(), sync_epoch=100, sync_status="Success"):
    if how == DOWN:
        return engine.appliance_view(name, "10.0.0.%d" % len(name), normal, None, dict(healthy=False, status=None),
                                     "cannot connect", "unreachable")
    if how == BROKEN:
        return engine.appliance_view(name, "10.0.0.1", normal, None, None, "TLS verification failed", "error")
    message = "trouble" if how == SICK else None
    return engine.appliance_view(name, "10.0.0.1", normal, health(role, how != SICK, shared, sync_epoch, sync_status,
                                                                  "id-" + name, message))


def state(np_role, nb_role, np_how=UP, nb_how=UP, np_shared=(), nb_shared=(), sync_status="Success", rules=None):
    return engine.pair_state(view(NP, "primary", np_role, np_how, np_shared, sync_status=sync_status),
                             view(NB, "backup", nb_role, nb_how, nb_shared, sync_status=sync_status), rules)


# -- one appliance, the pair's kind ------------------------------------------------------------------
@pytest.mark.parametrize("error_kind, probe, status", [
    ("unreachable", None, engine.DOWN),
    ("unreachable", dict(healthy=False, status=500), engine.DOWN),
    ("unreachable", dict(healthy=True, status=200), engine.ERROR),   # the site answers: not an outage
    ("error", None, engine.ERROR),                                   # TLS or credentials: not an outage
])
def test_an_appliance_is_down_only_when_nothing_answers(error_kind, probe, status):
    assert engine.appliance_view("a", "10.0.0.1", "primary", None, probe, "x", error_kind)["status"] == status


@pytest.mark.parametrize("np, nb, np_how, nb_how, kind", [
    ("primary", "backup", UP, UP, engine.NORMAL),
    ("backup", "primary", UP, UP, engine.FAILED_OVER),
    ("primary", "primary", UP, UP, engine.BOTH_PRIMARY),
    ("backup", "backup", UP, UP, engine.BOTH_BACKUP),
    (None, "backup", DOWN, UP, engine.NP_DOWN),
    (None, "primary", DOWN, UP, engine.NP_DOWN),
    ("primary", None, UP, DOWN, engine.NB_DOWN),
    (None, None, DOWN, DOWN, engine.BOTH_DOWN),
    ("none", "none", UP, UP, engine.NOT_PAIRED),
    ("primary", "none", UP, UP, engine.ONE_SIDED),
    ("none", "backup", UP, UP, engine.ONE_SIDED),
    (None, "none", DOWN, UP, engine.NOT_PAIRED),
    (None, "backup", BROKEN, UP, engine.UNREADABLE),
    ("primary", "backup", SICK, UP, engine.NORMAL),
])
def test_kind(np, nb, np_how, nb_how, kind):
    assert state(np, nb, np_how, nb_how)["kind"] == kind


def test_state_names_the_single_primary_and_the_shared_ip_holder():
    seen = state("primary", "backup", np_shared=["10.0.0.52"])
    assert seen["primary"] == NP and seen["shared_ip_holders"] == [NP]
    assert seen["roles"] == {NP: "primary", NB: "backup"}
    assert state("primary", "primary")["primary"] is None
    assert state(None, "primary", np_how=DOWN)["roles"] == {NP: "unknown", NB: "primary"}


@pytest.mark.parametrize("np, nb, np_how, nb_how, expected", [
    ("primary", "backup", UP, UP, NP),
    ("backup", "primary", UP, UP, NB),
    (None, "primary", DOWN, UP, NB),
    ("none", "none", UP, UP, NP),        # before the relationship: the normal primary becomes it
    (None, "none", DOWN, UP, None),
    ("primary", "primary", UP, UP, None),
    ("backup", "backup", UP, UP, None),
    (None, None, DOWN, DOWN, None),
])
def test_the_site_primary_is_where_the_sites_address_must_point(np, nb, np_how, nb_how, expected):
    assert state(np, nb, np_how, nb_how)["site_primary"] == expected


def test_summary_says_who_is_what():
    assert engine.pair_state(view(NP, "primary", "primary", SICK), view(NB, "backup", None, DOWN))["summary"] == (
        "site1 primary (unhealthy: trouble), site2 down (cannot connect)")


# -- sync wording --------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, verdict", [
    ("Success", "good"), ("Success.", "good"), ("Data sync completed successfully", "good"), ("success", "good"),
    ("OK", "good"), ("Failed: disk full", "bad"), ("Data sync failed: peer gone", "bad"), ("Unsuccessful", "bad"),
    ("Error 42", "bad"), ("Canceled by peer", "bad"), ("Sync aborted", "bad"), ("In progress", "unknown"),
    ("", "none"), (None, "none"),
])
def test_sync_verdict(status, verdict):
    assert engine.sync_verdict(status) == verdict


def test_sync_words_are_configurable():
    assert engine.sync_verdict("Bien", success_words=("bien",)) == "good"
    assert engine.sync_verdict("Echec", failure_words=("echec",)) == "bad"


def test_the_newest_sync_of_either_appliance_counts():
    np_view = view(NP, "primary", "primary", sync_epoch=100, sync_status="Success")
    nb_view = view(NB, "backup", "backup", sync_epoch=200, sync_status="Failed: x")
    sync = engine.pair_state(np_view, nb_view)["sync"]
    assert (sync["epoch"], sync["verdict"], sync["reported_by"]) == (200, "bad", NB)


# -- decisions: every state x every flow ---------------------------------------------------------------
P, B = "primary", "backup"
S = dict(data_sync_first=True)


def steps_of(found):
    return [(change["host"], change["role"], change["data_sync_first"]) for change in found["steps"]]


TABLE = [
    # flow, (np role, how), (nb role, how), options, action, steps, backup_before
    ("planned_failover", (P, UP), (B, UP), {}, engine.CHANGE, [(NB, P, True)], [NP]),
    ("planned_failover", (B, UP), (P, UP), {}, engine.NONE, [], []),
    ("planned_failover", (P, UP), (P, UP), {}, engine.REFUSE, [], []),
    ("planned_failover", (B, UP), (B, UP), {}, engine.REFUSE, [], []),
    ("planned_failover", (None, DOWN), (B, UP), {}, engine.REFUSE, [], []),
    ("planned_failover", (None, DOWN), (P, UP), {}, engine.NONE, [], []),
    ("planned_failover", (P, UP), (None, DOWN), {}, engine.REFUSE, [], []),
    ("planned_failover", (P, SICK), (B, UP), {}, engine.CHANGE, [(NB, P, True)], [NP]),
    ("failback", (B, UP), (P, UP), {}, engine.CHANGE, [(NP, P, True)], [NB]),
    ("failback", (P, UP), (B, UP), {}, engine.NONE, [], []),
    ("failback", (P, UP), (P, UP), {}, engine.CHANGE, [(NP, B, False), (NP, P, True)], [NP, NB]),
    ("failback", (B, UP), (B, UP), {}, engine.REFUSE, [], []),
    ("failback", (None, DOWN), (P, UP), {}, engine.REFUSE, [], []),
    ("failback", (P, UP), (None, DOWN), {}, engine.NONE, [], []),
    ("failback", (B, UP), (None, DOWN), {}, engine.REFUSE, [], []),
    ("failback", (B, UP), (None, DOWN), dict(force=True), engine.CHANGE, [(NP, P, False)], []),
    ("failback", (B, UP), (P, UP), dict(variant="recent_changes"), engine.CHANGE, [(NP, P, False)], [NB]),
    ("failback", (P, UP), (P, UP), dict(variant="recent_changes"), engine.CHANGE, [(NB, B, False)], [NP, NB]),
    ("failback", (P, UP), (B, UP), dict(variant="recent_changes"), engine.NONE, [], []),
    ("failback", (P, UP), (B, UP), dict(variant="recent_changes", login_changes_reapplied=True), engine.WAIT_SYNC,
     [], []),
    ("unplanned_failover", (None, DOWN), (B, UP), {}, engine.CHANGE, [(NB, P, False)], []),
    ("unplanned_failover", (None, DOWN), (P, UP), {}, engine.NONE, [], []),
    ("unplanned_failover", (B, UP), (P, UP), {}, engine.NONE, [], []),
    ("unplanned_failover", (P, UP), (B, UP), {}, engine.REFUSE, [], []),
    ("unplanned_failover", (P, SICK), (B, UP), {}, engine.REFUSE, [], []),
    ("unplanned_failover", (P, UP), (B, UP), dict(force=True), engine.CHANGE, [(NB, P, False)], [NP]),
    ("unplanned_failover", (P, UP), (P, UP), {}, engine.REFUSE, [], []),
    ("unplanned_failover", (B, UP), (B, UP), {}, engine.REFUSE, [], []),
    ("unplanned_failover", (P, UP), (None, DOWN), {}, engine.REFUSE, [], []),
    ("resolve_conflict", (P, UP), (B, UP), {}, engine.NONE, [], []),
    ("resolve_conflict", (B, UP), (P, UP), {}, engine.NONE, [], []),
    ("resolve_conflict", (None, DOWN), (P, UP), {}, engine.REFUSE, [], []),
    ("resolve_conflict", (P, UP), (P, UP), {}, engine.REFUSE, [], []),
    ("resolve_conflict", (P, UP), (P, UP), dict(conflict_primary=NB), engine.CHANGE, [(NP, B, False)], [NB, NP]),
    ("resolve_conflict", (B, UP), (B, UP), dict(conflict_primary=NB), engine.CHANGE, [(NB, P, False)], []),
]


@pytest.mark.parametrize("flow, np, nb, options, action, steps, backup_before", TABLE)
def test_decide(flow, np, nb, options, action, steps, backup_before):
    found = engine.decide(state(np[0], nb[0], np[1], nb[1]), flow, options)
    assert (found["action"], steps_of(found), found["backup_before"]) == (action, steps, backup_before), found["reason"]
    assert found["reason"]


@pytest.mark.parametrize("flow", engine.FLOWS)
@pytest.mark.parametrize("np, nb, words", [
    ((None, BROKEN), (B, UP), "could not be read"),
    ((None, DOWN), (None, DOWN), "Neither"),
    (("none", UP), ("none", UP), "not in a failover relationship"),
    (("primary", UP), ("none", UP), "replace_appliance.yml"),
])
def test_every_flow_refuses_what_it_cannot_know(flow, np, nb, words):
    found = engine.decide(state(np[0], nb[0], np[1], nb[1]), flow)
    assert found["action"] == engine.REFUSE and words in found["reason"]


def test_an_unknown_flow_is_a_programming_error():
    with pytest.raises(ValueError):
        engine.decide(state(P, B), "sideways")


@pytest.mark.parametrize("flow", ["planned_failover", "failback"])
def test_a_failed_last_sync_refuses_a_swap_with_sync_first_unless_told(flow):
    roles = (P, B) if flow == "planned_failover" else (B, P)
    seen = state(*roles, sync_status="Failed: disk full")
    refused = engine.decide(seen, flow)
    assert refused["action"] == engine.REFUSE and "disk full" in refused["reason"]
    assert "sra_sync_failure_ok" in refused["reason"]
    assert engine.decide(seen, flow, dict(sync_failure_ok=True))["action"] == engine.CHANGE


def test_an_unknown_sync_wording_is_a_warning_not_a_refusal():
    found = engine.decide(state(P, B, sync_status="Mostly fine"), "planned_failover")
    assert found["action"] == engine.CHANGE and "Mostly fine" in found["warnings"][0]


@pytest.mark.parametrize("how, words", [(UP, "primary and healthy"), (SICK, "reports a problem: trouble")])
def test_unplanned_says_why_it_refuses_a_normal_primary_that_answers(how, words):
    found = engine.decide(state(P, B, np_how=how), "unplanned_failover")
    assert words in found["reason"] and "sra_unplanned_force" in found["reason"]


def test_refusals_say_what_to_run_instead():
    assert "unplanned_failover.yml" in engine.decide(state(None, B, DOWN), "planned_failover")["reason"]
    assert "resolve_conflict.yml" in engine.decide(state(B, B), "planned_failover")["reason"]
    assert "failback.yml" in engine.decide(state(P, P), "unplanned_failover")["reason"]
    assert "sra_conflict_primary" in engine.decide(state(P, P), "resolve_conflict")["reason"]


def test_failback_recent_changes_asks_for_the_reapplication():
    found = engine.decide(state(P, B), "failback", dict(variant="recent_changes"))
    assert found["pending"] == "reapply_login_changes" and "sra_login_changes_reapplied" in found["reason"]
    waiting = engine.decide(state(P, B), "failback", dict(variant="recent_changes", login_changes_reapplied=True))
    assert waiting["wait_sync"] == NB


def test_failback_refuses_an_unknown_variant():
    with pytest.raises(ValueError):
        engine.decide(state(B, P), "failback", dict(variant="sometimes"))


# -- Fix This Error ------------------------------------------------------------------------------------
SWING = {NP: "10.0.1.50", NB: "10.0.1.51"}


@pytest.mark.parametrize("np_shared, nb_shared, dns, chosen, winner, words", [
    (["10.0.0.52"], [], None, None, NP, "has the shared IP enabled"),
    ([], ["10.0.0.52"], ["10.0.1.50"], None, NB, "has the shared IP enabled"),   # the shared IP first
    ([], [], ["10.0.1.51"], None, NB, "resolves to 10.0.1.51"),
    (["10.0.0.52"], ["10.0.0.52"], ["10.0.1.50"], NB, NP, "resolves to"),       # DNS before the operator
    ([], [], ["10.9.9.9"], NB, NB, "operator chose"),
    ([], [], ["10.0.1.50", "10.0.1.51"], NB, NB, "operator chose"),             # DNS names both: no decision
    ([], [], None, "elsewhere", None, "not one of"),
    ([], [], None, None, None, "neither appliance has a shared IP enabled"),
    (["10.0.0.52"], ["10.0.0.52"], None, None, None, "both appliances have the shared IP"),
])
def test_fix_this_error(np_shared, nb_shared, dns, chosen, winner, words):
    seen = state(P, P, np_shared=np_shared, nb_shared=nb_shared)
    found, why = engine.fix_this_error(seen, dns, SWING, chosen)
    assert found == winner and words in why


def test_resolve_both_backup_by_dns():
    found = engine.decide(state(B, B), "resolve_conflict", dict(dns_addresses=["10.0.1.51"], swing_addresses=SWING))
    assert steps_of(found) == [(NB, P, False)] and found["target"] == dict(primary=NB, backup=NP)


# -- while a role change runs ----------------------------------------------------------------------------
def test_step_done_waits_through_the_both_backup_moment():
    change = engine.step(NB, P, data_sync_first=True)
    assert not engine.step_done(state(B, B), change)
    assert not engine.step_done(state(P, B), change)
    assert engine.step_done(state(B, P), change)
    assert engine.step_done(state(None, P, np_how=DOWN), change)


def test_a_canceled_swap_is_recognised():
    change = engine.step(NB, P, data_sync_first=True)
    before = state(P, B, sync_status="Success")
    after = engine.pair_state(view(NP, "primary", P, sync_epoch=100, sync_status="Success"),
                              view(NB, "backup", B, sync_epoch=150, sync_status="Failed: peer gone"))
    assert "Failed: peer gone" in engine.step_canceled(before, after, change)
    assert engine.step_canceled(before, before, change) is None
    assert engine.step_canceled(before, after, engine.step(NB, P)) is None        # no sync first: nothing to cancel
    assert engine.step_canceled(before, state(B, P), change) is None              # roles moved: not canceled


def test_sync_since():
    seen = engine.pair_state(view(NP, "primary", P, sync_epoch=90), view(NB, "backup", B, sync_epoch=120))
    assert engine.sync_since(seen, NB, 100) is True
    assert engine.sync_since(seen, NB, 130) is False
    failed = engine.pair_state(view(NP, "primary", P), view(NB, "backup", B, sync_epoch=120, sync_status="Failed: x"))
    assert engine.sync_since(failed, NB, 100) == "Failed: x"


def test_predict():
    assert engine.predict(state(P, B), [engine.step(NB, P, True)]) == {NP: B, NB: P}
    assert engine.predict(state(None, B, np_how=DOWN), [engine.step(NB, P)]) == {NP: "unknown", NB: P}
    assert engine.predict(state(P, P), [engine.step(NP, B), engine.step(NP, P, True)]) == {NP: P, NB: B}


# -- the site's address and health -------------------------------------------------------------------------
def test_site_verdict():
    seen = state(P, B)
    assert engine.site_verdict(seen, {"10.0.0.52": "id-site1"})["reached"] is True
    wrong = engine.site_verdict(seen, {"10.0.0.52": "id-site2", "10.0.0.60": None})
    assert wrong["reached"] is False
    assert wrong["problems"] == ["10.0.0.52 reaches site2, not the primary site1", "10.0.0.60 does not answer"]
    assert engine.site_verdict(seen, {})["reached"] is None
    assert engine.site_verdict(state(P, P), {"10.0.0.52": "id-site1"})["reached"] is None


def test_before_the_pair_exists_the_site_must_reach_the_normal_primary():
    fresh = state("none", "none")
    assert fresh["primary"] is None and fresh["site_primary"] == NP
    assert engine.site_verdict(fresh, {"10.0.0.52": "id-site1"})["reached"] is True
    assert engine.site_verdict(fresh, {"10.0.0.52": "id-site2"})["problems"] == [
        "10.0.0.52 reaches site2, not the primary site1"]


def test_health_problems():
    assert engine.health_problems(state(P, B)) == []
    assert engine.health_problems(state(B, P)) == []
    assert "role conflict" in engine.health_problems(state(P, P))[0]
    assert any("reports a problem: trouble" in text for text in engine.health_problems(state(P, B, np_how=SICK)))
    assert any("failed" in text for text in engine.health_problems(state(P, B, sync_status="Failed: x")))
    old = state(P, B)
    engine.judge_sync_age(old, 100 + 3 * 86400, max_age=86400)
    assert any("3 days old" in text for text in engine.health_problems(old))
    site = engine.site_verdict(state(P, B), {"10.0.0.52": None})
    assert "site address 10.0.0.52 does not answer" in engine.health_problems(state(P, B), site)


def test_no_recorded_sync_is_a_problem_of_a_pair():
    seen = engine.pair_state(view(NP, "primary", P, sync_epoch=None, sync_status=None),
                             view(NB, "backup", B, sync_epoch=None, sync_status=None))
    assert any("no data sync" in text for text in engine.health_problems(seen))


def test_judge_sync_age_without_limit_only_measures():
    seen = state(P, B)
    assert engine.judge_sync_age(seen, 160) == dict(seen["sync"], age=60, stale=None)


# -- replace_appliance ---------------------------------------------------------------------------------
@pytest.mark.parametrize("np, nb, replace, action, words", [
    ((P, UP), ("none", UP), NB, engine.CHANGE, "rebuilt as the backup of site1"),
    ((P, UP), (None, BROKEN), NB, engine.CHANGE, "rebuilt"),            # factory-fresh: no API account yet
    ((P, UP), (B, UP), NB, engine.NONE, "whole"),
    ((P, UP), (None, DOWN), NB, engine.REFUSE, "does not answer"),
    ((P, UP), (P, UP), NB, engine.REFUSE, "answers as primary"),
    ((B, UP), (None, DOWN), NB, engine.REFUSE, "must be primary"),
    ((None, DOWN), (P, UP), NP, engine.REFUSE, "does not answer"),
    (("none", UP), (P, UP), NP, engine.CHANGE, "rebuilt as the backup of site2"),
    ((P, UP), (B, UP), "elsewhere", engine.REFUSE, "sra_replace_host"),
])
def test_replace(np, nb, replace, action, words):
    found = engine.decide(state(np[0], nb[0], np[1], nb[1]), "replace_appliance", dict(replace=replace))
    assert found["action"] == action and words in found["reason"], found["reason"]


def test_a_one_sided_relationship_is_a_health_problem():
    assert "replace_appliance.yml" in engine.health_problems(state(P, "none"))[0]
