# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source sra.appliance.pair_watch: its arguments, checked as the module checks them, and
what it puts on the queue. (The poll itself is the module's, tested in test_pair_watch.py; the
source against a lab, run by ansible-rulebook, is tests/eda.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import os
import runpy

import pytest

SOURCE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "extensions", "eda", "plugins",
                      "event_source", "pair_watch.py")
ARGS = dict(host="192.0.2.10", peer_host="192.0.2.11", client_id="id", client_secret="s3cret",
            connectivity_test=["192.0.2.1"])


@pytest.fixture(scope="module")
def source():
    # As ansible-rulebook loads it.
    return runpy.run_path(SOURCE)


def test_arguments_get_the_modules_defaults(source):
    params, every_poll = source["source_params"](dict(ARGS))
    assert every_poll is False
    assert params["hold_down"] == 300 and params["interval"] == 15 and params["port"] == 443
    assert params["check_backup_settings"] is True and params["validate_certs"] is True


def test_the_options_mapping_is_merged_and_a_single_argument_wins(source):
    params, every_poll = source["source_params"](dict(options=dict(ARGS, hold_down=60, interval=5), interval=7,
                                                      dry_run=None, every_poll=True))
    assert (params["hold_down"], params["interval"], params["dry_run"], every_poll) == (60, 7, False, True)


def test_credentials_fall_back_to_the_vendors_environment_variables(source, monkeypatch):
    monkeypatch.setenv("BT_CLIENT_ID", "env-id")
    monkeypatch.setenv("BT_CLIENT_SECRET", "env-secret")
    args = dict(ARGS)
    del args["client_id"], args["client_secret"]
    params = source["source_params"](args)[0]
    assert (params["client_id"], params["client_secret"]) == ("env-id", "env-secret")


@pytest.mark.parametrize("args, message", [
    (dict(ARGS, colour="blue"), "colour"),
    (dict(ARGS, hold_down="soon"), "hold_down"),
    (dict((key, value) for key, value in ARGS.items() if key != "connectivity_test"), "connectivity_test"),
    (dict(ARGS, connectivity_test=[]), "connectivity_test is empty"),
    (dict(ARGS, port=0), "port must be between 1 and 65535"),
    (dict(ARGS, peer_host="192.0.2.10"), "name the same appliance"),
])
def test_wrong_arguments_stop_the_rulebook_with_what_to_fix(source, args, message):
    with pytest.raises(source["ConfigurationError"], match=message):
        params = source["source_params"](args)[0]
        source["make_watch"](params)


class ScriptedWatch:
    """Stands in for PairWatch: one scripted event per poll."""

    def __init__(self, events, interval=0):
        self.events = list(events)
        self.params = dict(interval=interval)
        self.saved = 0

    def poll(self):
        return self.events.pop(0)

    def save(self):
        self.saved += 1


class ListQueue:
    def __init__(self):
        self.items = []

    async def put(self, event):
        self.items.append(event)


def event(kind, status="none", flow=None, roles=None):
    return dict(kind=kind, reason="because", action=dict(status=status, flow=flow, run=status == "run"),
                pair=dict(kind="x", roles=roles or {"site1": "primary", "site2": "backup"}))


def test_only_news_is_put_on_the_queue(source):
    script = [event("normal"), event("normal"), event("primary_down", "holding", "unplanned_failover"),
              event("primary_down", "holding", "unplanned_failover"), event("primary_down", "run", "unplanned_failover"),
              event("backup_unhealthy", roles={"site1": "unknown", "site2": "primary"})]
    watch, queue = ScriptedWatch(script), ListQueue()
    asyncio.run(source["watch_pair"](queue, watch, polls=6))
    assert [(item["kind"], item["action"]["status"]) for item in queue.items] == [
        ("normal", "none"), ("primary_down", "holding"), ("primary_down", "run"), ("backup_unhealthy", "none")]
    assert all(item["source"] == "sra.appliance.pair_watch" for item in queue.items)
    assert watch.saved == 6


def test_every_poll_puts_every_event(source):
    watch, queue = ScriptedWatch([event("normal")] * 3), ListQueue()
    asyncio.run(source["watch_pair"](queue, watch, every_poll=True, polls=3))
    assert len(queue.items) == 3


def test_the_collection_is_found_from_the_files_own_place(source):
    assert source["_collection_module"]("_pair_watch").PLAYBOOKS["failback"] == "sra.appliance.failback"
