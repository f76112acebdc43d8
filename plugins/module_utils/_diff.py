# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one diff tracker: before/after per named value, secrets masked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

MASK = "********"


class DiffTracker:
    """Records what a module found and what it wants, and answers whether they differ.

    A secret is never put in the diff: it shows as MASK when it is set (or as what the module
    could compare instead, such as a fingerprint), and as None when it is not.
    """

    def __init__(self):
        self._entries = []

    def add(self, name, before, after, secret=False, changed=None):
        """``changed`` overrides the comparison, for values compared by proxy (a secret)."""
        if changed is None:
            changed = before != after
        if secret:
            before = MASK if before else before
            after = MASK if after else after
            if changed and before == after:
                after = MASK + " (changed)"
        self._entries.append((name, copy.deepcopy(before), copy.deepcopy(after), bool(changed)))
        return changed

    @property
    def changed(self):
        return any(entry[3] for entry in self._entries)

    def changed_names(self):
        return [entry[0] for entry in self._entries if entry[3]]

    def before(self):
        return dict((name, before) for name, before, dummy, dummy2 in self._entries)

    def after(self):
        return dict((name, after) for name, dummy, after, dummy2 in self._entries)

    def diff(self):
        return {"before": self.before(), "after": self.after()}
