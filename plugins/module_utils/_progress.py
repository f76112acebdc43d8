# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a long wait, for a person watching the play.

A module cannot print while it runs: its standard output is its JSON result. A module that waits
(a role swap with a data sync first can take hours on real data) appends one line per report to
``progress_file``; the collection's action plugin for that module (plugins/action/) runs the module,
reads the new lines every few seconds and shows them. Without the action plugin (the module run
directly) the file is simply not given and nothing is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

# Documented once in plugins/doc_fragments/wait.py (PROGRESS).
PROGRESS_ARGUMENT_SPEC = dict(progress_file=dict(type="path"))

# A report at most this often: a poll every 2 s would flood the screen of an hour-long sync.
DEFAULT_EVERY = 10.0


class Progress:
    """Appends JSON lines ``{"elapsed": s, "text": "..."}`` to a file; a no-op without one."""

    def __init__(self, path=None, every=DEFAULT_EVERY, clock=time.monotonic):
        self.path = path
        self.every = every
        self.clock = clock
        self._last = None

    def report(self, elapsed, text, force=False):
        if not self.path:
            return
        now = self.clock()
        if not force and self._last is not None and now - self._last < self.every:
            return
        self._last = now
        with open(self.path, "a") as stream:
            stream.write(json.dumps({"elapsed": round(elapsed, 1), "text": text}) + "\n")


def progress_for(module, option="progress_file"):
    return Progress(module.params.get(option))
