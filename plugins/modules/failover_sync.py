#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: failover_sync
short_description: Run a data sync between the appliances of a failover pair and wait for it
description:
  - Presses B(Sync Now) on C(/login) > Management > Failover, which pulls the primary's site data into the backup,
    and waits until C(last_data_sync_time) moves and the status is good. Fails with the appliance's status when the
    sync fails.
  - The vendor recommends a sync before an upgrade or planned maintenance.
  - With O(max_age), a no-op when the last good sync is recent enough. When a sync is already running, the module
    waits for it instead of starting another, and reports no change.
  - Uses the sra.appliance management API (no vendor API exists for this button).
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.wait
  - sra.appliance.wait.PROGRESS
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details: Reads the sync state and reports whether it would start a sync.
  diff_mode:
    support: full
    details: Shows C(last_data_sync_time) and C(last_data_sync_status) before and after; in check mode the new time is
      unknown.
options:
  max_age:
    description:
      - Skip the sync when the last sync succeeded less than this many seconds ago.
      - Left out, the module always syncs.
    type: int
"""

EXAMPLES = r"""
- name: Sync before the upgrade
  sra.appliance.failover_sync:
    host: "{{ sra_address }}"
    wait_timeout: 3600
"""

RETURN = r"""
data_sync:
  description: The data sync state at the end (last_data_sync_time, last_data_sync_status, state).
  returned: success
  type: dict
  sample: {state: idle, last_data_sync_time: "2024-12-02T12:00:00+00:00", last_data_sync_status: Success}
previous_sync_time:
  description: C(last_data_sync_time) before the module ran.
  returned: success
  type: str
elapsed:
  description: Seconds spent waiting for the sync (also returned on a timeout).
  returned: when the module waited
  type: float
"""

import time
from datetime import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._failover import sync_finished, sync_state, \
    sync_status_is_good
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, driver_for, run
from ansible_collections.sra.appliance.plugins.module_utils._progress import PROGRESS_ARGUMENT_SPEC, progress_for
from ansible_collections.sra.appliance.plugins.module_utils._waiter import waiter_for


def sync_age(last_time, now=None):
    """Seconds since an RFC 3339 time, or None when it cannot be read."""
    try:
        moment = datetime.fromisoformat(last_time.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return (now if now is not None else time.time()) - moment.timestamp()


def recent_enough(status, max_age, now=None):
    last_time, last_status, state = sync_state(status)
    if max_age is None or state == "running" or not sync_status_is_good(last_status):
        return False
    age = sync_age(last_time, now)
    return age is not None and age < max_age


def ensure_synced(module, result):
    params = module.params
    if params["max_age"] is not None and params["max_age"] < 0:
        raise ModuleFailure("max_age must be 0 or more seconds, got %s" % params["max_age"])
    driver = driver_for(params)
    status = driver.failover()
    if status.get("role") not in ("primary", "backup"):
        raise ModuleFailure("%s is not in a failover relationship (role %s): there is nothing to sync; establish one "
                            "with sra.appliance.failover_relationship" % (driver.client.name, status.get("role")))
    before_time, before_status, state = sync_state(status)
    result.update(previous_sync_time=before_time, data_sync=status.get("data_sync"))
    diff = DiffTracker()
    before = dict(last_data_sync_time=before_time, last_data_sync_status=before_status)
    if recent_enough(status, params["max_age"]):
        diff.add("data_sync", before, before)
    elif module.check_mode:
        diff.add("data_sync", before, dict(last_data_sync_time=None, last_data_sync_status=None), changed=True)
        result["changed"] = state != "running"
    else:
        if state != "running":
            driver.sync_now()
            result["changed"] = True
        if params["wait"]:
            description = "the data sync of %s to finish (last_data_sync_time moves, status good)" % driver.client.name
            progress = progress_for(module)
            status, elapsed = waiter_for(module).wait(
                driver.failover, lambda seen: sync_finished(seen, before_time, before_status), description,
                progress=lambda seconds, seen, error: progress.report(seconds, "waiting %d s for %s: %s" % (
                    seconds, description, (seen or {}).get("data_sync") if error is None else error)))
            result.update(elapsed=round(elapsed, 1), data_sync=status.get("data_sync"))
        after_time, after_status, dummy = sync_state(status)
        diff.add("data_sync", before, dict(last_data_sync_time=after_time, last_data_sync_status=after_status),
                 changed=result["changed"])
    if module._diff:
        result["diff"] = diff.diff()


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(max_age=dict(type="int"), **PROGRESS_ARGUMENT_SPEC), wait=True),
        supports_check_mode=True)
    run(module, ensure_synced)


if __name__ == "__main__":
    main()
