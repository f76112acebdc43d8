# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one resource-state engine: what merged, replaced, overridden, deleted and gathered mean
for a module that manages a list of keyed items (the NICs of network_ips, the traffic nodes of
traffic_nodes), in the spirit of the network resource modules of ansible.netcommon.

A module gives the engine what it read (``have``), what the task asks for (``want``, already
validated) and a Resource that knows its items: their key, how to compare them, what an item
becomes in each state and how to write a change. The engine answers with a Plan: the items
before and after, the changes in write order, and the same change in words a change review can
read (``commands``). The module adds its own checks on the plan, reports it, and applies it
unless in check mode. Every module that uses the engine returns the same keys: ``before``,
``after``, ``commands`` and ``changes`` (or ``gathered`` with state gathered).

The contract is written in docs/decisions.md ("The resource contract").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure

STATES = ("merged", "replaced", "overridden", "deleted", "gathered")
ADD, UPDATE, DELETE = "add", "update", "delete"
# Capacity first: change what exists, add what is new, remove last.
DEFAULT_ORDER = (UPDATE, ADD, DELETE)


class Resource:
    """What the engine needs to know about a module's items. Items are dicts; override what differs.

    ``noun`` names one item in the plan's words ("traffic node"); ``everything`` is what an empty
    overridden would remove and ``kept`` what the task should list instead.
    """

    noun = "item"
    everything = "every item"
    kept = "items"

    def key(self, item):
        return item["name"]

    def comparable(self, item):
        """What equality means (e.g. a list whose order carries no meaning, sorted)."""
        return item

    def merge(self, have, want):
        """merged: the existing item with the fields the task gives (None means not given)."""
        item = dict(have)
        item.update((field, value) for field, value in want.items() if value is not None)
        return item

    def replace(self, have, want):
        """replaced and overridden: the item exactly as the task gives it (``have`` may be None)."""
        return dict(want)

    def add(self, want):
        """An item the appliance does not have yet (any state but deleted)."""
        return self.replace(None, want)

    def delete(self, have, want):
        """deleted: what ``have`` becomes; ``want`` None means the whole item. None removes it."""
        return None

    def left_out(self, have):
        """overridden: what an item the task does not name becomes. None removes it."""
        return None

    def diff_value(self, item):
        """How an item shows in the diff (None: absent)."""
        return None if item is None else self.comparable(item)

    def describe(self, change):
        """One line of the plan in words."""
        if change.action == ADD:
            return "add %s %s" % (self.noun, change.key)
        if change.action == DELETE:
            return "delete %s %s" % (self.noun, change.key)
        return "update %s %s: %s" % (self.noun, change.key, ", ".join(
            changed_fields(self.comparable(change.before), self.comparable(change.after))))

    def write_order(self, changes):
        return sorted(changes, key=lambda change: DEFAULT_ORDER.index(change.action))

    def write(self, change):
        """Send one change to the appliance."""
        raise NotImplementedError("a Resource that writes defines write()")


class Change:
    """One item to add, update or delete; ``before``/``after`` are None where absent."""

    def __init__(self, action, key, before, after):
        self.action = action
        self.key = key
        self.before = before
        self.after = after

    def __repr__(self):
        return "Change(%s %r)" % (self.action, self.key)


def changed_fields(before, after):
    """'field: old -> new' for each field of two dicts that differs."""
    fields = [field for field in before if field in after and before[field] != after[field]]
    fields += [field for field in after if field not in before]
    return ["%s: %s -> %s" % (field, _text(before.get(field)), _text(after.get(field))) for field in fields]


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[%s]" % ", ".join(_text(item) for item in value)
    return "none" if value is None else str(value)


class Plan:
    """The items before and after a run and the changes between them, in write order."""

    def __init__(self, resource, before, after, changes):
        self.resource = resource
        self.before = before
        self.after = after
        self.changes = resource.write_order(changes)

    @property
    def changed(self):
        return bool(self.changes)

    @property
    def commands(self):
        return [self.resource.describe(change) for change in self.changes]

    def report(self, result, with_diff):
        """The result keys every resource module returns."""
        result.update(before=self.before, after=self.after, commands=self.commands,
                      changes=[dict(action=change.action, name=change.key) for change in self.changes])
        result["changed"] = self.changed
        if with_diff:
            diff = DiffTracker()
            for change in self.changes:
                diff.add(change.key, self.resource.diff_value(change.before), self.resource.diff_value(change.after))
            result["diff"] = diff.diff()

    def apply(self, result):
        """Write each change in order; ``changed`` is set as soon as one is written, so a failure
        after a write still reports it."""
        for change in self.changes:
            self.resource.write(change)
            result["changed"] = True


def refuse_empty(state, want, allow_empty, resource):
    """overridden with an empty config removes everything: a mistake far more often than a wish
    (an undefined inventory variable, a filter that matched nothing), so it needs allow_empty."""
    if state == "overridden" and not want and not allow_empty:
        raise ModuleFailure("state=overridden with an empty config would remove %s of the appliance; give the %s to "
                            "keep, or set allow_empty=true if removing them all is what you mean (state=deleted with an "
                            "empty config does the same)" % (resource.everything, resource.kept))


def plan(resource, have, want, state, allow_empty=False):
    """The Plan that turns ``have`` into what ``want`` asks for under ``state``.

    Items keep the appliance's order; new items follow in the task's order. Deleting an item
    the appliance does not have is no change.
    """
    if state not in STATES or state == "gathered":
        raise ValueError("plan() takes a state that writes, not %r" % state)
    refuse_empty(state, want, allow_empty, resource)
    wanted = dict((resource.key(item), item) for item in want)
    delete_all = state == "deleted" and not want
    results = [(item, _outcome(resource, item, wanted.get(resource.key(item)), state, delete_all)) for item in have]
    known = set(resource.key(item) for item in have)
    added = [resource.add(item) for item in want if resource.key(item) not in known and state != "deleted"]
    changes = [Change(ADD, resource.key(item), None, item) for item in added]
    for before, after in results:
        if after is None:
            changes.append(Change(DELETE, resource.key(before), before, None))
        elif resource.comparable(after) != resource.comparable(before):
            changes.append(Change(UPDATE, resource.key(before), before, after))
    after_items = [after for dummy, after in results if after is not None] + added
    return Plan(resource, list(have), after_items, changes)


def _outcome(resource, have, want, state, delete_all):
    """What one existing item becomes: an item, or None when it is removed."""
    if delete_all:
        return resource.delete(have, None)
    if want is None:
        return resource.left_out(have) if state == "overridden" else have
    if state == "merged":
        return resource.merge(have, want)
    if state == "deleted":
        return resource.delete(have, want)
    return resource.replace(have, want)
