# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event source sra.appliance.pair_watch: automatic failover across subnets through the vendor API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
short_description: Watch a B Series failover pair through the vendor API and say when to fail over
description:
  - An ansible-rulebook event source that polls both appliances of a failover pair (XML C(check_health) and the
    C(/check_health) probe) and the controller's own connectivity, and emits an event whenever what it sees, or what it
    would do, changes. The decision is the one of the module M(sra.appliance.pair_watch) (the same code, so the
    rulebook and a scheduled playbook decide alike); each event carries what to run, C(action.playbook) and
    C(action.extra_vars), and C(action.run) is true only for the one event of an outage that must act. The rulebook
    does not decide.
  - The vendor's "Failover Dynamics and Options" says built-in automatic failover needs both appliances on one subnet,
    and "If you wish to use automatic failover with B Series Appliances on different networks, you must use the
    failover API". docs/eda.md says how to run it with ansible-rulebook and in AAP; docs/runbooks/automatic_failover.md
    how to choose the settings.
options:
  options:
    description:
      - The options of the module M(sra.appliance.pair_watch) (C(ansible-doc sra.appliance.pair_watch)), as one mapping,
        so that a rulebook passes them from one variable (the example sets it to the rulebook variable C(sra_watch)).
        Every option of the module is taken, the connection options (C(host), C(client_id), C(ca_path) and the others)
        included; C(client_id) and C(client_secret) fall back to the environment variables C(BT_CLIENT_ID) and
        C(BT_CLIENT_SECRET).
      - Any option of the module may also be given on its own next to this one; it wins over the mapping. An option
        whose value is null counts as not given.
    type: dict
  every_poll:
    description:
      - Emit an event on every poll, not only when the kind, the pair's roles or the action change.
    type: bool
    default: false
notes:
  - Polls every C(interval) seconds. Keep one activation per pair; with C(state_file) an activation that restarts
    keeps its memory of the outage (the flows it has run already).
  - Needs the collection, ansible-core and the collection's controller requirements in the Python of ansible-rulebook
    (in AAP, the decision environment).
"""

EXAMPLES = r"""
- name: Automatic failover of the failover pair
  hosts: all
  sources:
    - name: pair
      sra.appliance.pair_watch:
        options: "{{ sra_watch }}"
        dry_run: "{{ sra_watch_dry_run | default(false) }}"
  rules:
    - name: Run the flow the event names
      condition: event.action.run == true
      action:
        run_playbook:
          name: "{{ event.action.playbook }}"
          extra_vars: "{{ event.action.extra_vars }}"
"""

import asyncio
import importlib
import logging
import os
import sys

logger = logging.getLogger("sra.appliance.pair_watch")

SOURCE_ARGUMENT_SPEC = dict(options=dict(type="dict"), every_poll=dict(type="bool", default=False))


def _collection_module(name):
    """A module of this collection. ansible-rulebook runs this file with runpy, without Ansible's
    collection loader: put the directory that holds ``ansible_collections`` on the path when the
    collection is not importable yet (the file's own path, not resolved: it may sit behind a link)."""
    qualified = "ansible_collections.sra.appliance.plugins.module_utils." + name
    try:
        return importlib.import_module(qualified)
    except ImportError:
        parts = os.path.abspath(__file__).split(os.sep)
        if parts[-8:-5] != ["ansible_collections", "sra", "appliance"]:
            raise
        sys.path.insert(0, os.sep.join(parts[:-8]) or os.sep)
        return importlib.import_module(qualified)


class ConfigurationError(ValueError):
    """The source's arguments are wrong: the rulebook cannot start."""


class _Checks:
    """What the collection's connection checks need of a module: its params, a failure and a warning."""

    def __init__(self, params):
        self.params = params

    @staticmethod
    def fail_json(msg, **kwargs):
        raise ConfigurationError("sra.appliance.pair_watch: %s" % msg)

    @staticmethod
    def warn(msg):
        logger.warning("sra.appliance.pair_watch: %s", msg)


def source_params(args):
    """The module's parameters from the source's arguments, checked as the module checks them.
    Returns (params, every_poll)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    module = _collection_module("_module")
    watch_api = _collection_module("_pair_watch_api")
    given = dict((key, value) for key, value in (args or {}).items() if value is not None)
    merged = dict((key, value) for key, value in (given.pop("options", None) or {}).items() if value is not None)
    merged.update(given)
    spec = module.argument_spec(watch_api.watch_argument_spec())
    spec.update(SOURCE_ARGUMENT_SPEC)
    checked = ArgumentSpecValidator(spec).validate(merged)
    if checked.error_messages:
        raise ConfigurationError("sra.appliance.pair_watch: %s" % "; ".join(checked.error_messages))
    params = checked.validated_parameters
    every_poll = params.pop("every_poll")
    params.pop("options")
    module.validate_connection(_Checks(params))
    try:
        watch_api.validate_watch_params(params)
    except module.ModuleFailure as exc:
        raise ConfigurationError("sra.appliance.pair_watch: %s" % exc)
    return params, every_poll


def make_watch(params):
    watch_api = _collection_module("_pair_watch_api")
    module = _collection_module("_module")
    try:
        return watch_api.PairWatch(params)
    except module.ModuleFailure as exc:
        raise ConfigurationError("sra.appliance.pair_watch: %s" % exc)


async def watch_pair(queue, watch, every_poll=False, polls=None):
    """Poll ``watch`` every interval (in a thread: the reads block) and put the news on ``queue``.
    ``polls`` bounds the number of polls (None: until cancelled)."""
    tracking = _collection_module("_pair_watch")
    last = None
    count = 0
    while polls is None or count < polls:
        count += 1
        event = await asyncio.get_running_loop().run_in_executor(None, watch.poll)
        watch.save()
        news = last is None or tracking.signature(event) != tracking.signature(last)
        if news:
            logger.info("sra.appliance.pair_watch: %s (%s): %s", event["kind"], event["action"]["status"],
                        event["reason"])
        if news or every_poll:
            event["source"] = "sra.appliance.pair_watch"
            await queue.put(event)
        last = event
        if polls is None or count < polls:
            await asyncio.sleep(watch.params["interval"])


async def main(queue, args):
    """ansible-rulebook's entry point."""
    params, every_poll = source_params(args)
    await watch_pair(queue, make_watch(params), every_poll)


if __name__ == "__main__":
    # Run alone, it prints one poll's event: python pair_watch.py '{"host": ..., "peer_host": ...}'
    import json

    class PrintQueue:
        @staticmethod
        async def put(event):
            print(json.dumps(event, indent=2, sort_keys=True))

    async def once():
        params, every_poll = source_params(json.loads(sys.argv[1]))
        await watch_pair(PrintQueue(), make_watch(params), every_poll=True, polls=1)

    asyncio.run(once())
