# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.module_utils._diff import MASK, DiffTracker


def test_before_after_and_changed_names():
    diff = DiffTracker()
    assert diff.add("gateway", "192.0.2.1", "192.0.2.254") is True
    assert diff.add("dns", ["192.0.2.53"], ["192.0.2.53"]) is False
    assert diff.changed and diff.changed_names() == ["gateway"]
    assert diff.diff() == dict(before=dict(gateway="192.0.2.1", dns=["192.0.2.53"]),
                               after=dict(gateway="192.0.2.254", dns=["192.0.2.53"]))


def test_nothing_changed():
    diff = DiffTracker()
    diff.add("a", 1, 1)
    assert not diff.changed and diff.changed_names() == []


def test_secrets_are_masked():
    diff = DiffTracker()
    diff.add("password", "old-secret", "new-secret", secret=True)
    text = repr(diff.diff())
    assert "old-secret" not in text and "new-secret" not in text
    assert diff.before()["password"] == MASK
    assert diff.after()["password"] != diff.before()["password"]   # a change stays visible


def test_secret_set_from_nothing_and_unchanged():
    diff = DiffTracker()
    diff.add("key", None, "k", secret=True)
    diff.add("same", "s", "s", secret=True, changed=False)
    assert diff.before() == dict(key=None, same=MASK)
    assert diff.after() == dict(key=MASK, same=MASK)
    assert diff.changed_names() == ["key"]


def test_values_are_copied():
    diff = DiffTracker()
    value = ["a"]
    diff.add("list", value, ["b"])
    value.append("changed later")
    assert diff.before()["list"] == ["a"]
