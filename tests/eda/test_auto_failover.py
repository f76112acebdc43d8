# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook runs extensions/eda/rulebooks/auto_failover.yml against a DNS-swing pair of the lab.

The tests run in order, each starting from where the one before left the pair:
requests per poll (in-process, before the rulebook) -> the primary killed: failover -> the old primary
back: made backup, the data written meanwhile on both -> the controller cut off together with the
primary: nothing -> the backup cut off together with the primary: nothing -> the current primary (the
normal backup) killed: forced failback -> it comes back: made backup, the pair as deployed ->
the rulebook stopped, playbooks/auto_failover.yml (the scheduled variant) takes the same decisions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import runpy
import time

from ansible_collections.sra.appliance.tests.eda.support import (
    HOLD_DOWN, INTERVAL, MARGIN, REPO, BackupCut, measured, run_playbook, wait_for, watch_options)

SOURCE = os.path.join(REPO, "extensions", "eda", "plugins", "event_source", "pair_watch.py")
# Seconds a pair that must not be touched is watched: the hold-down and then some polls.
QUIET = HOLD_DOWN + 5 * INTERVAL + 10
# Seconds for the new backup's automatic data sync (sync_interval 3 s in topology.yml) to bring the data.
SYNC = 60


def in_process_watch(lab, bind):
    """The source's own PairWatch, built from the same options the rulebook gives it."""
    source = runpy.run_path(SOURCE)
    options = watch_options(lab, bind)
    del options["state_file"]
    params, dummy = source["source_params"](dict(options, client_id=lab.group_vars["sra_client_id"],
                                                 client_secret=lab.group_vars["sra_client_secret"]))
    return source["make_watch"](params)


def api_requests(lab, name, since):
    return lab.summary(name, since)


def last_ids(lab):
    return dict((name, lab.summary(name)["last_id"]) for name in ("site1", "site2"))


def writes_since(lab, name, marks):
    """API requests of ``name`` that changed state since ``marks``."""
    return lab.summary(name, marks[name])["writes"]


def recaps(rulebook):
    return rulebook.lines("PLAY RECAP")


def wait_for_flow_end(rulebook, before, timeout):
    """The playbook the rulebook started has ended; its recap says it did not fail."""
    wait_for("the flow's playbook to end", lambda: len(recaps(rulebook)) > before, timeout)
    tail = rulebook.text().split("PLAY RECAP")[-1]
    assert "failed=0" in tail and "unreachable=0" in tail, rulebook.text()[-6000:]


# -- before the rulebook: what one poll costs ----------------------------------------------------------
def test_requests_per_poll(eda_lab, bind_server, site_record):
    watch = in_process_watch(eda_lab, bind_server)
    marks = last_ids(eda_lab)
    polls = 5
    for dummy in range(polls):
        event = watch.poll()
    assert event["kind"] == "normal", event["reason"]
    counts = dict((name, api_requests(eda_lab, name, marks[name])) for name in ("site1", "site2"))
    for name, summary in counts.items():
        # One token minted once, then one check_health per poll; nothing written, nothing of the management API.
        assert summary["tokens_minted"] == 1 and summary["writes"] == 0, summary
        assert summary["requests"] == polls + 1 and summary["management"]["requests"] == 0, summary
    measured("requests per poll, normal pair", "%s per appliance (+1 token request per appliance once)"
             % ((counts["site1"]["requests"] - 1) / float(polls)))
    # The primary gone: its reads find nothing listening (the client retries them), the backup's one check_health.
    mark = eda_lab.summary("site2")["last_id"]
    eda_lab.kill("site1")
    try:
        started = time.monotonic()
        event = watch.poll()
        measured("seconds of one poll with the primary gone", round(time.monotonic() - started, 1))
        assert event["kind"] == "primary_down" and event["action"]["status"] == "holding", event["reason"]
        assert api_requests(eda_lab, "site2", mark)["requests"] == 1
    finally:
        eda_lab.start("site1")
    wait_for("site1 back as primary", lambda: eda_lab.role("site1") == "primary", 30)
    assert watch.poll()["kind"] == "normal"


# -- the rulebook ---------------------------------------------------------------------------------------
def test_the_primary_killed_is_failed_over_after_the_hold_down(eda_lab, site_record, rulebook):
    site2 = eda_lab.address("site2")
    before = len(recaps(rulebook))
    killed = time.monotonic()
    eda_lab.kill("site1")
    wait_for("site2 to be primary", lambda: eda_lab.role("site2") == "primary", HOLD_DOWN + MARGIN)
    to_primary = time.monotonic() - killed
    wait_for("the site record to point at site2", lambda: site_record() == [site2], HOLD_DOWN + MARGIN)
    to_dns = time.monotonic() - killed
    measured("kill -9 of the primary -> the backup answers primary (s)", round(to_primary, 1))
    measured("kill -9 of the primary -> the site record points at it (s)", round(to_dns, 1))
    assert HOLD_DOWN <= to_primary <= HOLD_DOWN + MARGIN
    assert to_dns <= HOLD_DOWN + MARGIN
    wait_for_flow_end(rulebook, before, MARGIN)
    assert rulebook.watcher_said("primary_down", "holding")
    assert "sra.appliance.unplanned_failover" in rulebook.text()


def test_the_old_primary_back_is_made_backup_and_the_new_data_is_on_both(eda_lab, site_record, rulebook):
    site2 = eda_lab.address("site2")
    written = [("files", "written-during-outage.txt"), ("users", "outage-user")]
    for kind, name in written:
        eda_lab.control("site2", "POST", "site-data", dict(kind=kind, name=name, size=2048))
    before = len(recaps(rulebook))
    eda_lab.start("site1")
    wait_for("site1 back as primary (both primary)", lambda: eda_lab.role("site1") in ("primary", "backup"), 30)
    wait_for("site1 to be made backup", lambda: eda_lab.role("site1") == "backup", HOLD_DOWN + MARGIN)
    wait_for_flow_end(rulebook, before, MARGIN)
    assert eda_lab.role("site2") == "primary" and site_record() == [site2]
    wait_for("the data written on site2 to be on site1", lambda: set(written) <= eda_lab.site_data("site1"), SYNC)
    assert set(written) <= eda_lab.site_data("site2")
    assert rulebook.watcher_said("both_primary", "holding")
    assert "sra.appliance.resolve_conflict" in rulebook.text()


def test_the_controller_cut_off_together_with_the_primary_is_no_reason_to_act(eda_lab, site_record, rulebook):
    site2 = eda_lab.address("site2")
    marks = last_ids(eda_lab)
    before = len(recaps(rulebook))
    eda_lab.cli("gateway", "down")
    eda_lab.kill("site2")          # the current primary
    try:
        wait_for("the watcher to see the controller cut off",
                 lambda: rulebook.watcher_said("controller_isolated"), QUIET)
        time.sleep(QUIET)
        assert eda_lab.role("site1") == "backup" and site_record() == [site2]
        assert writes_since(eda_lab, "site1", marks) == 0 and len(recaps(rulebook)) == before
    finally:
        # The primary back before the controller's network: otherwise the watcher would see it down.
        normal_events = len(rulebook.watcher_said("normal"))
        eda_lab.start("site2")
        wait_for("site2 back as primary", lambda: eda_lab.role("site2") == "primary", 60)
        eda_lab.cli("gateway", "up")
        wait_for("the watcher to see the pair normal",
                 lambda: len(rulebook.watcher_said("normal")) > normal_events, MARGIN)
    assert len(recaps(rulebook)) == before


def test_the_backup_cut_off_together_with_the_primary_is_no_reason_to_act(eda_lab, site_record, rulebook):
    site1, site2 = eda_lab.address("site1"), eda_lab.address("site2")
    marks = last_ids(eda_lab)
    before = len(recaps(rulebook))
    normal_events = len(rulebook.watcher_said("normal"))
    # Isolated: the lab cuts its peer traffic and its connectivity tests; the routing rule cuts the
    # controller's connections to its API (the lab's processes share the loopback, the rule does not).
    eda_lab.cli("fault", "isolate", "site1")
    block = BackupCut(site1, eda_lab.port)
    eda_lab.kill("site2")
    try:
        wait_for("the watcher to see the backup unreachable", lambda: rulebook.watcher_said("unclear"), QUIET)
        time.sleep(QUIET)
        assert eda_lab.role("site1") == "backup" and site_record() == [site2]
        assert writes_since(eda_lab, "site1", marks) == 0 and len(recaps(rulebook)) == before
    finally:
        # The primary back before the backup: otherwise the watcher would see it down with a fit backup.
        eda_lab.start("site2")
        wait_for("site2 back as primary", lambda: eda_lab.role("site2") == "primary", 60)
        block.remove()
        eda_lab.cli("fault", "heal", "site1")
        wait_for("the watcher to see the pair normal",
                 lambda: len(rulebook.watcher_said("normal")) > normal_events, MARGIN)
    assert len(recaps(rulebook)) == before


def test_the_current_primary_killed_is_failed_back_with_force_then_made_backup(eda_lab, site_record, rulebook):
    site1 = eda_lab.address("site1")
    before = len(recaps(rulebook))
    eda_lab.kill("site2")          # the current primary, the normal backup
    wait_for("site1 to be primary", lambda: eda_lab.role("site1") == "primary", HOLD_DOWN + MARGIN)
    wait_for("the site record to point at site1", lambda: site_record() == [site1], HOLD_DOWN + MARGIN)
    wait_for_flow_end(rulebook, before, MARGIN)
    assert "sra.appliance.failback" in rulebook.text()
    written = ("files", "written-after-failback.txt")
    eda_lab.control("site1", "POST", "site-data", dict(kind=written[0], name=written[1], size=512))
    eda_lab.start("site2")
    wait_for("site2 to be made backup", lambda: eda_lab.role("site2") == "backup", HOLD_DOWN + MARGIN)
    wait_for_flow_end(rulebook, before + 1, MARGIN)
    assert eda_lab.role("site1") == "primary" and site_record() == [site1]
    wait_for("the data written on site1 to be on site2", lambda: written in eda_lab.site_data("site2"), SYNC)


def test_the_scheduled_playbook_decides_the_same(eda_lab, site_record, rulebook):
    rulebook.stop()        # one watcher per pair
    site2 = eda_lab.address("site2")
    eda_lab.kill("site1")
    mark = eda_lab.summary("site2")["last_id"]
    dry = run_playbook(eda_lab, rulebook.inventory, "auto_failover.yml", "-e", "sra_auto_failover_dry_run=true")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would run sra.appliance.unplanned_failover" in dry.stdout, dry.stdout
    assert eda_lab.role("site2") == "backup" and eda_lab.summary("site2", mark)["writes"] == 0
    started = time.monotonic()
    failover = run_playbook(eda_lab, rulebook.inventory, "auto_failover.yml")
    measured("playbooks/auto_failover.yml, the primary down: hold-down and unplanned_failover (s)",
             round(time.monotonic() - started, 1))
    assert failover.returncode == 0, failover.stdout + failover.stderr
    assert eda_lab.role("site2") == "primary" and site_record() == [site2]
    eda_lab.start("site1")
    wait_for("site1 back (both primary)", lambda: eda_lab.role("site1") == "primary", 60)
    resolved = run_playbook(eda_lab, rulebook.inventory, "auto_failover.yml")
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    assert "sra.appliance.resolve_conflict" in resolved.stdout
    assert eda_lab.role("site1") == "backup" and eda_lab.role("site2") == "primary" and site_record() == [site2]
    quiet = run_playbook(eda_lab, rulebook.inventory, "auto_failover.yml")
    assert quiet.returncode == 0 and "site2.lab.sra.test is primary, site1.lab.sra.test backup" in quiet.stdout
    assert "changed=0" in quiet.stdout.split("PLAY RECAP")[-1]
