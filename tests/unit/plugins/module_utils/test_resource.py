# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resource-state engine, table-driven, on a toy resource: items {name, size, colour}."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _resource
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure


class Boxes(_resource.Resource):
    noun = "box"
    everything = "every box"
    kept = "boxes"

    def __init__(self):
        self.written = []

    def replace(self, have, want):
        return dict(name=want["name"], size=want["size"] or 1, colour=want["colour"] or "grey")

    def write(self, change):
        self.written.append((change.action, change.key))


class Shelves(Boxes):
    """A resource whose items cannot be removed: deleting one empties it (as a NIC loses its IPs)."""

    def delete(self, have, want):
        return dict(have, size=0)

    def left_out(self, have):
        return dict(have, size=0)


def box(name, size=None, colour=None):
    return dict(name=name, size=size, colour=colour)


HAVE = [dict(name="a", size=1, colour="red"), dict(name="b", size=2, colour="blue")]

# state, want, after, changes (write order: update, add, delete)
TABLE = [
    ("merged", [box("a", colour="green")],
     [dict(name="a", size=1, colour="green"), HAVE[1]], [("update", "a")]),
    ("merged", [box("c", 3)],
     HAVE + [dict(name="c", size=3, colour="grey")], [("add", "c")]),
    ("merged", [box("a", 1, "red")], HAVE, []),
    ("merged", [], HAVE, []),
    ("replaced", [box("a", 5)],
     [dict(name="a", size=5, colour="grey"), HAVE[1]], [("update", "a")]),
    ("replaced", [box("b", 2, "blue"), box("c")],
     HAVE + [dict(name="c", size=1, colour="grey")], [("add", "c")]),
    ("replaced", [], HAVE, []),
    ("overridden", [box("b", 2, "blue")], [HAVE[1]], [("delete", "a")]),
    ("overridden", [box("c", 3), box("a", 1, "red")],
     [HAVE[0], dict(name="c", size=3, colour="grey")], [("add", "c"), ("delete", "b")]),
    ("overridden", [box("a", 9), box("b", 2, "blue")],
     [dict(name="a", size=9, colour="grey"), HAVE[1]], [("update", "a")]),
    ("deleted", [box("a")], [HAVE[1]], [("delete", "a")]),
    ("deleted", [box("z")], HAVE, []),
    ("deleted", [], [], [("delete", "a"), ("delete", "b")]),
]


@pytest.mark.parametrize("state, want, after, changes", TABLE)
def test_states(state, want, after, changes):
    plan = _resource.plan(Boxes(), HAVE, want, state)
    assert plan.before == HAVE
    assert plan.after == after
    assert [(change.action, change.key) for change in plan.changes] == changes
    assert plan.changed is bool(changes)
    assert len(plan.commands) == len(changes)


def test_write_order_keeps_capacity():
    plan = _resource.plan(Boxes(), HAVE, [box("c"), box("b", 7)], "overridden")
    assert [(change.action, change.key) for change in plan.changes] == [("update", "b"), ("add", "c"), ("delete", "a")]


def test_items_that_cannot_be_removed_are_emptied():
    plan = _resource.plan(Shelves(), HAVE, [box("b", 2, "blue")], "overridden")
    assert plan.after == [dict(HAVE[0], size=0), HAVE[1]]
    assert [(change.action, change.key) for change in plan.changes] == [("update", "a")]
    plan = _resource.plan(Shelves(), HAVE, [], "deleted")
    assert [item["size"] for item in plan.after] == [0, 0]


def test_empty_overridden_is_refused_unless_allowed():
    with pytest.raises(ModuleFailure, match="state=overridden with an empty config would remove every box of the "
                                            "appliance; give the boxes to keep, or set allow_empty=true"):
        _resource.plan(Boxes(), HAVE, [], "overridden")
    plan = _resource.plan(Boxes(), HAVE, [], "overridden", allow_empty=True)
    assert plan.after == [] and [change.action for change in plan.changes] == ["delete", "delete"]
    # The refusal does not depend on what the appliance has: it is checked before reading.
    with pytest.raises(ModuleFailure):
        _resource.refuse_empty("overridden", [], False, Boxes)
    _resource.refuse_empty("deleted", [], False, Boxes)
    _resource.refuse_empty("replaced", [], False, Boxes)


def test_gathered_and_unknown_states_do_not_plan():
    for state in ("gathered", "present"):
        with pytest.raises(ValueError):
            _resource.plan(Boxes(), HAVE, [], state)


def test_commands_name_what_changes():
    plan = _resource.plan(Boxes(), HAVE, [box("a", 1, "green"), box("c")], "overridden")
    assert plan.commands == ["update box a: colour: red -> green", "add box c", "delete box b"]


def test_changed_fields_in_words():
    assert _resource.changed_fields(dict(a=True, b=[1, 2], c=None), dict(a=False, b=[1], c=None, d=3)) == [
        "a: true -> false", "b: [1, 2] -> [1]", "d: none -> 3"]


def test_report_and_apply():
    resource = Boxes()
    plan = _resource.plan(resource, HAVE, [box("b", 3)], "overridden")
    result = dict(changed=False)
    plan.report(result, with_diff=True)
    assert result["changed"] is True
    assert result["changes"] == [dict(action="update", name="b"), dict(action="delete", name="a")]
    assert result["diff"] == dict(before=dict(b=HAVE[1], a=HAVE[0]),
                                  after=dict(b=dict(name="b", size=3, colour="grey"), a=None))
    assert resource.written == []
    plan.apply(result)
    assert resource.written == [("update", "b"), ("delete", "a")]


def test_a_failed_write_still_reports_what_was_written():
    class Breaking(Boxes):
        def write(self, change):
            if change.action == "delete":
                raise RuntimeError("appliance gone")
            super(Breaking, self).write(change)

    result = dict(changed=False)
    with pytest.raises(RuntimeError):
        _resource.plan(Breaking(), HAVE, [box("b", 3)], "overridden").apply(result)
    assert result["changed"] is True


def test_the_base_resource_needs_a_writer():
    plan = _resource.plan(_resource.Resource(), [dict(name="a")], [], "deleted")
    with pytest.raises(NotImplementedError):
        plan.apply(dict(changed=False))
