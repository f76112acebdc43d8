#!/usr/bin/env python3
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run Molecule scenarios in parallel lanes: `python tools/molecule_lanes.py --lanes 3 [SCENARIO...]`.

Every scenario starts its own lab in its own address block (SRA_LAB_BLOCK in its molecule.yml), so
scenarios can run side by side: much of a scenario's time is the lab's own timers (initial sync,
probes, swaps), which overlap. `molecule test --all --workers N` is no substitute: it skips the
create steps the scenarios rely on (docs/decisions.md). Each scenario's output goes to its own log;
a failed scenario's log is printed at the end, and after it the lines that say why it failed (CI
shows only the last lines of a run). Exit status 1 when any scenario failed.
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = os.path.join(ROOT, "extensions", "molecule")
# Seconds each scenario took on an idle 2-core machine: the longest start first, so the lanes end together.
TYPICAL = {"default": 190, "vendor_only": 180, "unplanned": 110, "replace": 100, "nat_swing": 100,
           "dns_swing": 100, "conflict": 90, "planned": 90, "atlas": 80, "appliance": 70, "failover_pair": 70}


def scenarios(names):
    found = sorted(name for name in os.listdir(SCENARIOS)
                   if not name.startswith("_") and os.path.isfile(os.path.join(SCENARIOS, name, "molecule.yml")))
    unknown = sorted(set(names) - set(found))
    if unknown:
        sys.exit("no such scenario: %s (there are: %s)" % (", ".join(unknown), ", ".join(found)))
    chosen = names or found
    return sorted(chosen, key=lambda name: -TYPICAL.get(name, 60))


ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Ansible's failed-task lines, and the lines a failing command prints (the lab's "site1 exited; see ...").
CAUSE = re.compile(r"^\s*(fatal: \[|failed: \[|FAILED - |ERROR! |.*\bexited; see |.*Traceback)")


def causes(text, limit=6, width=400):
    """The first lines of a scenario's log that say why it failed, without colour codes, each cut to width."""
    lines = [ANSI.sub("", line).strip() for line in text.splitlines()]
    found = [line[:width] for line in lines if CAUSE.match(line)]
    return found[:limit]


def run(name, log_dir, molecule):
    log = os.path.join(log_dir, name + ".log")
    start = time.monotonic()
    with open(log, "w") as stream:
        done = subprocess.run([molecule, "test", "-s", name], cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT,
                              check=False)
    return dict(name=name, ok=done.returncode == 0, seconds=time.monotonic() - start, log=log)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=3)
    parser.add_argument("--log-dir", default=os.path.join(ROOT, "build", "molecule-logs"))
    parser.add_argument("scenario", nargs="*")
    args = parser.parse_args()
    os.makedirs(args.log_dir, exist_ok=True)
    molecule = os.path.join(os.path.dirname(sys.executable), "molecule")
    queue, results, lock = list(scenarios(args.scenario)), [], threading.Lock()

    def lane():
        while True:
            with lock:
                if not queue:
                    return
                name = queue.pop(0)
            print("== molecule scenario %s: started" % name, flush=True)
            result = run(name, args.log_dir, molecule)
            print("== molecule scenario %s: %s in %.0f s" % (name, "passed" if result["ok"] else "FAILED",
                                                             result["seconds"]), flush=True)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=lane) for dummy in range(max(1, args.lanes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [result for result in results if not result["ok"]]
    texts = {}
    for result in failed:
        with open(result["log"], errors="replace") as stream:
            texts[result["name"]] = stream.read()
        print("\n==== %s (%s) ====\n%s" % (result["name"], result["log"], texts[result["name"]][-20000:]))
    for result in failed:
        print("== why %s failed:" % result["name"])
        for line in causes(texts[result["name"]]) or ["(no failed task in the log; read it above)"]:
            print("   " + line)
    print("molecule: %d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
