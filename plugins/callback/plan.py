# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: plan
type: aggregate
short_description: Leave the plan of a check-mode run as JSON, and exit with a status that tells in sync, drift and error apart
version_added: 0.1.0
description:
  - The plan step of a GitOps pipeline. With this callback enabled, C(ansible-playbook sra.appliance.site --check --diff)
    writes a JSON plan to O(plan_file) - per host and task what would change, with the diff - and ends with an exit
    status that says which of three things happened.
  - V(0) - in sync, nothing would change. O(drift_exit_code) (V(3) by default) - drift, the run finished without error
    and something would change. Any other status is an error, as C(ansible-playbook) reports it (V(1) error, V(2) a host
    failed, V(4) a host was unreachable or a file could not be parsed, V(5) bad options, V(99) interrupted, V(250)
    unexpected error).
  - The drift status is the only one the callback sets. A callback cannot change C(ansible-playbook)'s own exit
    status, so at the end of a check-mode run that finished without failed or unreachable hosts and would change
    something, it ends the process with O(drift_exit_code) after the recap and after writing the plan. It never turns
    an error into another status. Outside check mode it writes the plan (then a report of what changed) and leaves
    the exit status alone.
  - The plan's C(status) is V(in_sync), V(drift), V(changed) (a run outside check mode that changed something) or
    V(error). Warnings of tasks that change nothing (an IP the inventory does not name, a failed data sync) are listed
    per host under C(warnings); they are differences to read, not drift, and leave the status as it is. The plan is
    written as the run starts, with C(complete=false) and C(status=error), so a run that stops early never leaves the
    plan of an earlier run behind.
  - "Secrets: the plan holds what the callbacks receive. Results of tasks with C(no_log) are censored by Ansible before
    any callback sees them and appear as C(censored); the modules of this collection mask secrets in their diffs
    themselves; module arguments (C(invocation)) are never written. A vaulted value is written as C(********)."
  - Enable it with C(callbacks_enabled = sra.appliance.plan) in C(ansible.cfg) or
    E(ANSIBLE_CALLBACKS_ENABLED=sra.appliance.plan). List it last when other callbacks are enabled too, since
    callbacks after it do not see the end of a drifting run. See C(docs/pipelines.md) for GitLab and GitHub jobs.
requirements:
  - Enabled through C(callbacks_enabled) (it is not a stdout callback; the output on the terminal stays as it is).
options:
  plan_file:
    description:
      - Where to write the JSON plan. Its directory must exist. The file is replaced atomically, mode C(0600).
    type: path
    default: sra-plan.json
    env:
      - name: SRA_PLAN_FILE
    ini:
      - section: callback_sra_plan
        key: plan_file
  drift_exit_code:
    description:
      - Exit status of a check-mode run that finished without failed or unreachable hosts and would change something.
      - The default, V(3), is the lowest status C(ansible-playbook) itself never returns. V(0) leaves the exit status
        to C(ansible-playbook), which then exits 0 on drift too.
    type: int
    default: 3
    env:
      - name: SRA_PLAN_DRIFT_EXIT_CODE
    ini:
      - section: callback_sra_plan
        key: drift_exit_code
"""

import datetime
import json

from ansible import context
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.sra.appliance.plugins.module_utils._files import write_private_file

PLAN_FORMAT = "sra.appliance.plan/1"
MASK = "********"
# The counters of Ansible's recap, per host.
STAT_KEYS = ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_default(value):
    """What json cannot write itself: vaulted values are masked, anything else becomes text."""
    if "vault" in type(value).__name__.lower() or "encrypted" in type(value).__name__.lower():
        return MASK
    return str(value)


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def outcome_record(payload, warnings=()):
    """What the plan keeps of one task result (or loop item): changed, diff, message, warnings.

    A censored result (no_log) keeps only that it was censored and whether it changed.
    """
    if payload.get("censored") or payload.get("_ansible_no_log"):
        return dict(changed=bool(payload.get("changed")), censored=True)
    record = dict(changed=bool(payload.get("changed")))
    diffs = [diff for diff in _as_list(payload.get("diff")) if diff]
    if diffs:
        record["diff"] = diffs
    if payload.get("msg"):
        record["msg"] = payload["msg"]
    if warnings:
        record["warnings"] = [str(warning) for warning in warnings]
    return record


def loop_items(payload):
    """The changed or failed items of a loop task, each as an outcome record with its label."""
    items = []
    for item in payload.get("results") or []:
        if not isinstance(item, dict) or not (item.get("changed") or item.get("failed")):
            continue
        record = outcome_record(item)
        record["item"] = item.get("_ansible_item_label", item.get("item"))
        if item.get("failed"):
            record["failed"] = True
        items.append(record)
    return items


def plan_status(totals, check_mode):
    """in_sync, drift (check mode), changed (a real run) or error, from the recap's totals."""
    if totals["failures"] or totals["unreachable"]:
        return "error"
    if totals["changed"]:
        return "drift" if check_mode else "changed"
    return "in_sync"


def exit_code_for(status, check_mode, drift_exit_code):
    """The status this callback ends the run with, or None to leave ansible-playbook's own."""
    if status == "drift" and check_mode and drift_exit_code:
        return drift_exit_code
    return None


def write_atomically(path, document):
    """Replace path with the JSON document (mode 0600), so a reader never sees half a plan."""
    text = json.dumps(document, indent=2, sort_keys=True, default=_json_default) + "\n"
    write_private_file(path, text.encode("utf-8"))


class Plan(object):
    """The plan of one ansible-playbook run: per host, its changes and its errors."""

    def __init__(self, check_mode, diff_mode, playbooks):
        self.check_mode = bool(check_mode)
        self.diff_mode = bool(diff_mode)
        self.playbooks = list(playbooks)
        self.started = utc_now()
        self.hosts = {}

    def _host(self, name):
        return self.hosts.setdefault(name, dict(changes=[], warnings=[], errors=[], stats={}))

    def add_change(self, host, where, payload, warnings=()):
        record = dict(where, **outcome_record(payload, warnings))
        items = loop_items(payload)
        if items:
            record["items"] = items
        self._host(host)["changes"].append(record)

    def add_warnings(self, host, where, warnings):
        """The warnings of a task that changes nothing: what the inventory accepts but does not name (an IP it does
        not list under merged, a failed data sync) is a difference the plan shows without calling it drift."""
        self._host(host)["warnings"].append(dict(where, warnings=[str(warning) for warning in warnings]))

    def add_error(self, host, where, payload, unreachable=False):
        record = dict(where, msg=payload.get("msg", ""), unreachable=unreachable)
        if payload.get("censored") or payload.get("_ansible_no_log"):
            record.update(msg="", censored=True)
        items = loop_items(payload)
        if items and not record.get("censored"):
            record["items"] = items
        self._host(host)["errors"].append(record)

    def set_stats(self, per_host):
        for host, counters in per_host.items():
            self._host(host)["stats"] = dict((key, counters.get(key, 0)) for key in STAT_KEYS)

    def totals(self):
        return dict((key, sum(host["stats"].get(key, 0) for host in self.hosts.values())) for key in STAT_KEYS)

    def document(self, complete, drift_exit_code):
        totals = self.totals()
        status = plan_status(totals, self.check_mode) if complete else "error"
        return dict(
            format=PLAN_FORMAT,
            status=status,
            complete=complete,
            exit_code=exit_code_for(status, self.check_mode, drift_exit_code) if complete else None,
            check_mode=self.check_mode,
            diff_mode=self.diff_mode,
            playbooks=self.playbooks,
            ansible_version=ANSIBLE_VERSION,
            started=self.started,
            finished=utc_now() if complete else None,
            summary=dict(
                totals,
                changed_tasks=sum(len(host["changes"]) for host in self.hosts.values()),
                warned_tasks=sum(len(host["warnings"]) for host in self.hosts.values()),
                changed_hosts=sorted(name for name, host in self.hosts.items() if host["stats"].get("changed")),
                failed_hosts=sorted(name for name, host in self.hosts.items()
                                    if host["stats"].get("failures") or host["stats"].get("unreachable")),
            ),
            hosts=self.hosts,
        )


def _result_parts(result):
    """host name, task and payload of a callback's task result (ansible-core 2.19 names first)."""
    host = getattr(result, "host", None) or result._host
    task = getattr(result, "task", None) or result._task
    payload = getattr(result, "result", None)
    if payload is None:
        payload = result._result
    return host.get_name(), task, payload


def _result_warnings(result, payload):
    summaries = getattr(result, "warnings", None)
    if summaries is None:  # before 2.19: plain strings in the payload
        return list(payload.get("warnings") or [])
    return [getattr(getattr(summary, "event", None), "msg", summary) for summary in summaries]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "sra.appliance.plan"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super(CallbackModule, self).__init__(display=display, options=options)
        self.plan = None
        self.play_name = ""
        self.stats_seen = 0

    # -- the run ------------------------------------------------------------------------------
    def _playbooks(self):
        return [str(name) for name in context.CLIARGS.get("args", ()) or ()]

    def _write(self, complete):
        document = self.plan.document(complete, self.get_option("drift_exit_code"))
        write_atomically(self.get_option("plan_file"), document)
        return document

    def _started(self):
        """The plan, begun (and written as incomplete) at the first event of the run."""
        if self.plan is None:
            self.plan = Plan(context.CLIARGS.get("check", False), context.CLIARGS.get("diff", False),
                             self._playbooks())
            self._write(complete=False)
        return self.plan

    def v2_playbook_on_start(self, playbook):
        self._started()

    def v2_playbook_on_play_start(self, play):
        self._started()
        self.play_name = play.get_name()

    def _where(self, task):
        role = getattr(task, "_role", None)
        # The role's own name: ansible-core 2.19 and older releases differ on whether get_name()
        # prefixes the collection.
        return dict(play=self.play_name, task=task.get_name(),
                    role=role.get_name(include_role_fqcn=False) if role else None,
                    action=getattr(task, "resolved_action", None) or task.action)

    # -- task results -------------------------------------------------------------------------
    def v2_runner_on_ok(self, result):
        host, task, payload = _result_parts(result)
        warnings = _result_warnings(result, payload)
        if payload.get("changed"):
            self._started().add_change(host, self._where(task), payload, warnings)
        elif warnings and not (payload.get("censored") or payload.get("_ansible_no_log")):
            self._started().add_warnings(host, self._where(task), warnings)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        host, task, payload = _result_parts(result)
        if not ignore_errors:
            self._started().add_error(host, self._where(task), payload)

    def v2_runner_on_unreachable(self, result):
        host, task, payload = _result_parts(result)
        self._started().add_error(host, self._where(task), payload, unreachable=True)

    # -- the end ------------------------------------------------------------------------------
    def v2_playbook_on_stats(self, stats):
        self._started().set_stats(dict((host, stats.summarize(host)) for host in stats.processed))
        self.stats_seen += 1
        # ansible-playbook sends the stats once per playbook named on its command line.
        if self.stats_seen < max(len(self.plan.playbooks), 1):
            self._write(complete=False)
            return
        document = self._write(complete=True)
        summary = document["summary"]
        self._display.display("sra.appliance.plan: %s - %d change(s) on %d host(s), %d task(s) with warnings, %d failed or "
                              "unreachable; plan in %s"
                              % (document["status"], summary["changed_tasks"], len(summary["changed_hosts"]),
                                 summary["warned_tasks"], len(summary["failed_hosts"]), self.get_option("plan_file")))
        if document["exit_code"] is not None:
            # The only way a callback decides the exit status: end the process here, after the recap
            # (the stdout callback had the stats first) and the plan; ansible-playbook has nothing
            # left to do but clean up, which its `finally` blocks still do. SystemExit is no
            # Exception, so the callback dispatcher lets it through to the interpreter.
            raise SystemExit(document["exit_code"])
