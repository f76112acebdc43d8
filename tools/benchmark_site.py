#!/usr/bin/env python3
"""Benchmark `site` on a lab of a failover pair and N traffic nodes (issue 18). A person runs it;
it is not part of `make test`.

For each N it generates a topology (the demo's settings, N traffic nodes in two regions), starts
the lab on its own address block, and then, alternating with a generated "ping floor" playbook
(the same hosts, the same number of tasks per host, every task `ansible.builtin.ping`):

- converges `site` on the factory-fresh lab (the lab is reset to factory state before each one),
- re-runs `site` on the converged lab (it must report changed=0).

It prints, per phase, the requests the lab served, the writes among them and the OAuth tokens
minted (`POST /oauth2/token` answered 200), all from the lab's request log, and the wall time and
CPU time (user + sys of ansible-playbook and every process it waited for) with the floor's and
the ratio: medians of the repetitions (min-max in brackets).

    unshare --net sh -c 'ip link set lo up && .venv/bin/python tools/benchmark_site.py --nodes 3 10'

Outside a network namespace of its own it re-runs itself in one (labs of parallel users collide
on loopback addresses). `--collection` benchmarks another checkout's collection (e.g. an export of
main) with the lab of `--lab` (default: this checkout).
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")
REGIONS = (("eu-west", 1), ("us-east", -5))
# Traffic nodes from this offset of the block on: clear of the pair, the shared IP and the NAT.
FIRST_NODE_OFFSET = 100


def in_own_network_namespace():
    """Whether this process's network namespace has nothing but loopback (as `unshare --net`
    makes one): /proc/self/net follows the process's namespace, /sys/class/net does not."""
    with open("/proc/self/net/dev") as handle:
        interfaces = [line.split(":")[0].strip() for line in handle.read().splitlines()[2:]]
    return interfaces == ["lo"]


def rerun_in_network_namespace():
    if os.environ.get("SRA_BENCHMARK_NETNS"):
        raise SystemExit("unshare --net did not give a namespace of its own; run the benchmark as root")
    command = "ip link set lo up && exec \"$0\" \"$@\""
    os.environ["SRA_BENCHMARK_NETNS"] = "1"
    os.execvp("unshare", ["unshare", "--net", "sh", "-c", command, sys.executable] + sys.argv)


# --- the lab ------------------------------------------------------------------------------------
def topology(lab_tree, nodes, block):
    """The demo topology with ``nodes`` traffic nodes, alternately in two regions."""
    with open(os.path.join(lab_tree, "lab", "topologies", "demo.yml")) as handle:
        demo = yaml.safe_load(handle)
    demo.pop("nat", None)
    appliances = dict((name, spec) for name, spec in demo["appliances"].items() if spec["role"] == "pair")
    for index in range(nodes):
        region, offset = REGIONS[index % len(REGIONS)]
        appliances["tn%d" % (index + 1)] = dict(
            offset=FIRST_NODE_OFFSET + index, hostname="tn%d.%s.lab.sra.test" % (index + 1, region), model="B300",
            role="traffic", region=region, timezone_offset=offset, network_prefixes=["10.%d.0.0/16" % (index + 1)])
    demo.update(name="bench%d" % nodes, block=block, appliances=appliances)
    return demo


class Lab:
    def __init__(self, lab_tree, state_dir):
        self.lab_tree = lab_tree
        self.state_dir = state_dir
        self.info = {}

    def cli(self, *args):
        done = subprocess.run([sys.executable, "-m", "lab"] + list(args) + ["--state-dir", self.state_dir],
                              cwd=self.lab_tree, capture_output=True, text=True, check=False, timeout=600)
        if done.returncode:
            raise SystemExit("python -m lab %s failed:\n%s%s" % (" ".join(args), done.stdout, done.stderr))
        return done.stdout

    def up(self, topology_file, block):
        self.cli("up", "--topology", topology_file, "--block", block)
        with open(os.path.join(self.state_dir, "lab.json")) as handle:
            self.info = json.load(handle)

    def down(self):
        subprocess.run([sys.executable, "-m", "lab", "down", "--state-dir", self.state_dir], cwd=self.lab_tree,
                       capture_output=True, check=False, timeout=120)

    def control(self, name, method, path):
        node = self.info["nodes"][name]
        url = "http://%s:%d/control/%s" % (node["address"], node["control_port"], path)
        request = urllib.request.Request(url, data=b"{}" if method == "POST" else None, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")

    def reset(self):
        for name in self.info["nodes"]:
            self.control(name, "POST", "reset")

    def last_ids(self):
        return dict((name, max([entry["id"] for entry in self.control(name, "GET", "requests")["requests"]] or [0]))
                    for name in self.info["nodes"])

    def count_since(self, marks):
        """requests, writes, tokens minted, per appliance, since ``marks`` (lab-internal requests,
        such as pages set through the control interface, do not count)."""
        counts = {}
        for name, since in marks.items():
            log = [entry for entry in self.control(name, "GET", "requests?since=%d" % since)["requests"]
                   if entry["id"] > since and entry.get("via") != "control"]
            counts[name] = dict(
                requests=len(log), writes=sum(1 for entry in log if entry.get("changed")),
                tokens=sum(1 for entry in log if entry["method"] == "POST" and entry["path"] == "/oauth2/token"
                           and entry["status"] == 200))
        return counts


# --- playbooks ------------------------------------------------------------------------------------
# Counts, per host, the tasks that ran and the module runs among them (a module process, as
# opposed to an action that runs on the controller alone: set_fact, assert, debug, the roles'
# argument validation). The floor runs one ping per module run.
COUNTER = '''
import json, os
from ansible.plugins.callback import CallbackBase

CONTROLLER_ONLY = {"set_fact", "assert", "debug", "fail", "validate_argument_spec", "include_tasks",
                   "import_tasks", "include_role", "import_role", "meta", "add_host", "group_by", "pause"}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "sra_benchmark_counter"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.counts = {}

    def _count(self, result, **kwargs):
        host = self.counts.setdefault(result._host.get_name(), {"tasks": 0, "module_runs": 0})
        host["tasks"] += 1
        if result._task.action.split(".")[-1] not in CONTROLLER_ONLY:
            host["module_runs"] += 1

    v2_runner_on_ok = v2_runner_on_failed = _count

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["SRA_BENCHMARK_COUNTS"], "w") as handle:
            json.dump(self.counts, handle)
'''


def counter_plugin(workdir):
    directory = os.path.join(workdir, "callbacks")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "sra_benchmark_counter.py"), "w") as handle:
        handle.write(COUNTER)
    return directory

def run_playbook(playbook, inventory, environment, cwd, log=None):
    """(wall seconds, CPU seconds of ansible-playbook and its children, {host: {tasks, module_runs}},
    output)."""
    counts_file = os.path.join(cwd, "counts.json")
    environment = dict(environment, SRA_BENCHMARK_COUNTS=counts_file)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                           playbook], cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if log:
        with open(log, "w") as handle:
            handle.write(done.stdout + done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    recap = dict((match.group(1), dict(ok=int(match.group(2)), changed=int(match.group(3)),
                                       failed=int(match.group(5)) + int(match.group(4))))
                 for match in map(RECAP.match, done.stdout.splitlines()) if match)
    if done.returncode or not recap:
        raise SystemExit("%s failed (rc %s):\n%s\n%s" % (playbook, done.returncode, done.stdout[-6000:],
                                                           done.stderr[-3000:]))
    with open(counts_file) as handle:
        counts = json.load(handle)
    for host, stats in recap.items():
        stats.update(counts.get(host, dict(tasks=0, module_runs=0)))
    return wall, cpu, recap, done.stdout


def floor_playbook(path, recap):
    """A play per count: each host runs as many ansible.builtin.ping tasks as it ran modules."""
    by_count = {}
    for host, stats in sorted(recap.items()):
        by_count.setdefault(stats["module_runs"], []).append(host)
    plays = [dict(name="Floor, %d pings" % count, hosts=":".join(hosts), gather_facts=False,
                  tasks=[{"name": "ping %d" % number, "ansible.builtin.ping": None} for number in range(count)])
             for count, hosts in sorted(by_count.items()) if count]
    with open(path, "w") as handle:
        yaml.safe_dump(plays, handle, sort_keys=False)


def collections_dir(workdir, collection):
    """ANSIBLE_COLLECTIONS_PATH whose sra.appliance is ``collection``."""
    root = os.path.join(workdir, "collections")
    os.makedirs(os.path.join(root, "ansible_collections", "sra"), exist_ok=True)
    link = os.path.join(root, "ansible_collections", "sra", "appliance")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.abspath(collection), link)
    return root


def log_file(args, name):
    return os.path.join(args.log_dir, name) if args.log_dir else None


# --- one N ----------------------------------------------------------------------------------------
def median_text(values):
    return "%.1f (%.1f-%.1f)" % (statistics.median(values), min(values), max(values))


def measure(args, nodes, workdir):
    block = args.block
    topology_file = os.path.join(workdir, "bench%d.yml" % nodes)
    with open(topology_file, "w") as handle:
        yaml.safe_dump(topology(args.lab, nodes, block), handle, sort_keys=False)
    lab = Lab(args.lab, os.path.join(workdir, "lab%d" % nodes))
    lab.up(topology_file, block)
    try:
        inventory = os.path.join(workdir, "inventory%d.yml" % nodes)
        with open(inventory, "w") as handle:
            handle.write(lab.cli("inventory"))
        environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir(workdir, args.collection),
                           ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS=str(args.forks),
                           ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_CALLBACK_PLUGINS=counter_plugin(workdir),
                           ANSIBLE_CALLBACKS_ENABLED="sra_benchmark_counter",
                           ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "ansible-tmp"))
        site = os.path.join(os.path.abspath(args.collection), "playbooks", "site.yml")
        phases = {}
        for phase in ("converge", "rerun"):
            runs, floors, counts = [], [], None
            for repetition in range(args.repeat):
                if phase == "converge":
                    lab.reset()  # factory state; the re-runs start from the last converge
                marks = lab.last_ids()
                wall, cpu, recap, output = run_playbook(site, inventory, environment, workdir,
                                                        log_file(args, "site-%s-%d-%d.log" % (phase, nodes, repetition)))
                counts = lab.count_since(marks)
                changed = sum(stats["changed"] for stats in recap.values())
                if phase == "rerun" and changed:
                    raise SystemExit("the re-run of site reported changed=%d:\n%s" % (changed, output[-6000:]))
                runs.append((wall, cpu))
                floor = os.path.join(workdir, "floor-%s-%d.yml" % (phase, nodes))
                floor_playbook(floor, recap)
                floor_wall, floor_cpu, dummy, dummy2 = run_playbook(
                    floor, inventory, environment, workdir, log_file(args, "floor-%s-%d-%d.log" % (phase, nodes, repetition)))
                floors.append((floor_wall, floor_cpu))
                print("  N=%d %s #%d: site %.1f s wall %.1f s CPU, floor %.1f s wall %.1f s CPU"
                      % (nodes, phase, repetition + 1, wall, cpu, floor_wall, floor_cpu), flush=True)
            phases[phase] = dict(runs=runs, floors=floors, counts=counts,
                                 tasks=sum(stats["tasks"] for stats in recap.values()),
                                 module_runs=sum(stats["module_runs"] for stats in recap.values()))
        return phases
    finally:
        lab.down()


def summary(data):
    counts = data["counts"].values()
    walls, cpus = [run[0] for run in data["runs"]], [run[1] for run in data["runs"]]
    floor_walls, floor_cpus = [run[0] for run in data["floors"]], [run[1] for run in data["floors"]]
    return dict(requests=sum(count["requests"] for count in counts), writes=sum(count["writes"] for count in counts),
                tokens=sum(count["tokens"] for count in counts), max_tokens=max(count["tokens"] for count in counts),
                tasks=data["tasks"], module_runs=data["module_runs"], walls=walls, cpus=cpus, floor_walls=floor_walls,
                floor_cpus=floor_cpus, wall_ratio=statistics.median(walls) / statistics.median(floor_walls),
                cpu_ratio=statistics.median(cpus) / statistics.median(floor_cpus), per_appliance=data["counts"])


def report(nodes, phases):
    print("\nN=%d (pair + %d traffic nodes, %d appliances)" % (nodes, nodes, nodes + 2))
    print("%-9s %8s %6s %6s %7s %5s %7s %17s %17s %5s %17s %17s %5s" % (
        "phase", "requests", "writes", "tokens", "tok/app", "tasks", "modules", "wall s", "floor wall s", "x",
        "CPU s", "floor CPU s", "x"))
    results = {}
    for phase, data in phases.items():
        figures = results[phase] = summary(data)
        print("%-9s %8d %6d %6d %7d %5d %7d %17s %17s %5.2f %17s %17s %5.2f" % (
            phase, figures["requests"], figures["writes"], figures["tokens"], figures["max_tokens"], figures["tasks"],
            figures["module_runs"], median_text(figures["walls"]), median_text(figures["floor_walls"]),
            figures["wall_ratio"], median_text(figures["cpus"]), median_text(figures["floor_cpus"]),
            figures["cpu_ratio"]))
    print("re-run requests per appliance: %s" % ", ".join(
        "%s %d" % (name, count["requests"]) for name, count in sorted(phases["rerun"]["counts"].items())))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[3, 10, 25, 50], help="traffic node counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each phase (medians are taken)")
    parser.add_argument("--forks", type=int, default=5, help="ansible forks (default: Ansible's)")
    parser.add_argument("--block", default="127.88.1.0/24", help="the lab's address block")
    parser.add_argument("--collection", default=HERE, help="checkout whose collection is benchmarked")
    parser.add_argument("--lab", default=HERE, help="checkout whose lab/ is started")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--log-dir", help="keep the output of every playbook run in this directory")
    # "tok/app" is the most tokens one appliance minted in the phase; "tasks" counts every task
    # that ran (the roles' argument validation and set_fact too), "modules" the module runs.
    args = parser.parse_args()
    if not in_own_network_namespace():
        rerun_in_network_namespace()
    workdir = tempfile.mkdtemp(prefix="sra-benchmark-")
    results = {}
    try:
        for nodes in args.nodes:
            print("N=%d: measuring (%d repetitions per phase)" % (nodes, args.repeat), flush=True)
            results[nodes] = report(nodes, measure(args, nodes, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
