# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Show the progress of a module that waits, while it waits.

The module appends JSON lines to the file named by its ``progress_file`` option
(plugins/module_utils/_progress.py); this runs the module in a thread of the controller's
worker and shows each new line as it appears, so a role swap that takes an hour is not an hour
of silence. Modules run on the controller (``connection: local``); with another connection
the file would be on another machine, so the module then runs without progress.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import threading

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()
# Seconds between looks at the file; the module itself reports at most every 10 s.
LOOK_EVERY = 2.0


def run_module_with_progress(action, task_vars, option="progress_file"):
    """``action._execute_module`` with progress shown; returns the module's result."""
    if action._connection.transport not in ("local", "ansible.builtin.local"):
        return action._execute_module(module_name=action._task.resolved_action, module_args=action._task.args,
                                      task_vars=task_vars)
    handle, path = tempfile.mkstemp(prefix="sra-progress-", suffix=".jsonl")
    os.close(handle)
    args = dict(action._task.args)
    args[option] = path
    outcome = {}

    def execute():
        outcome["result"] = action._execute_module(module_name=action._task.resolved_action, module_args=args,
                                                   task_vars=task_vars)

    worker = threading.Thread(target=execute, name="sra-module")
    host = task_vars.get("inventory_hostname", "")
    seen = 0
    try:
        worker.start()
        while worker.is_alive():
            worker.join(LOOK_EVERY)
            seen = show_new_lines(path, seen, host)
        show_new_lines(path, seen, host)
    finally:
        os.unlink(path)
    return outcome["result"]


def show_new_lines(path, seen, host):
    """Display the lines after the first ``seen`` bytes; return the new offset (whole lines only)."""
    with open(path) as stream:
        stream.seek(seen)
        chunk = stream.read()
    complete, dummy, dummy2 = chunk.rpartition("\n")
    if not complete:
        return seen
    for line in complete.split("\n"):
        try:
            text = json.loads(line)["text"]
        except (ValueError, KeyError, TypeError):
            continue
        display.display("  %s: %s" % (host, text))
    return seen + len(complete) + 1


class ProgressActionModule(ActionBase):
    """The action plugin of a module that waits: the module, with its progress shown."""

    def run(self, tmp=None, task_vars=None):
        result = super(ProgressActionModule, self).run(tmp, task_vars)
        result.update(run_module_with_progress(self, task_vars))
        return result
