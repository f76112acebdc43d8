"""The launcher: `python -m lab up|down|status|kill|stop|start|reset|requests|page|deploy-pair|
site-data|inventory|issue-cert|fault|nat|gateway`."""
import argparse
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from lab import labstate, pki
from lab import topology as topo
from lab.labstate import LabError

DEFAULT_PORT = 443
FALLBACK_PORT = 8443
CONTROL_PORT = 9700
READY_TIMEOUT = 20.0
NAT_PROGRAM = "lab.nat"
# Devices on the lab's network besides the appliances: the lab.json key and the program of each.
DEVICES = {"nat": NAT_PROGRAM, "gateway": "lab.gateway"}


# --- up ---------------------------------------------------------------------------------------
def cmd_up(args):
    state_dir = resolve_state_dir(args)
    lab = prepare_lab(args, state_dir)
    started = [name for name in lab["nodes"] if start_node(lab, state_dir, name)]
    started += [kind for kind in DEVICES if kind in lab and start_device(lab, state_dir, kind)]
    for name in lab["nodes"]:
        wait_ready(lab, name)
    write_trust_bundle(lab, state_dir)
    labstate.save(state_dir, lab)
    print_table(lab)
    if not started:
        print("the lab was already running")
    return 0


def prepare_lab(args, state_dir):
    """The recorded lab of this state dir, or a new one from the topology file."""
    if labstate.lab_file(state_dir).exists():
        return check_same_lab(labstate.load(state_dir), args, state_dir)
    if not args.topology:
        raise LabError("--topology is required to create a lab")
    topology = topo.load(args.topology, args.block)
    state_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.topology, state_dir / "topology.yml")
    pki.LabCA(state_dir).ensure()
    nodes = list(topology["appliances"].values())
    devices = {kind: topology[key] for kind, key in (("nat", "nat"), ("gateway", "gateway_device")) if key in topology}
    extra = [s["address"] for s in topology["shared_ips"]] + [device["address"] for device in devices.values()]
    write_site_certificate(state_dir, topology, nodes)
    port = choose_port([n["address"] for n in nodes] + extra, args.port)
    lab = {
        "name": topology["name"], "state_dir": str(state_dir), "port": port,
        "control_port": args.control_port, "topology": topology,
        "trust_bundle": str(state_dir / "trust.pem"),
        "nodes": {n["name"]: {"address": n["address"], "hostname": n["hostname"], "port": port,
                              "control_port": args.control_port, "pid": None} for n in nodes},
    }
    for kind, device in devices.items():
        lab[kind] = {**device, "port": port, "pid": None}
    labstate.save(state_dir, lab)
    return lab


def check_same_lab(lab, args, state_dir):
    """`up` on a state dir recorded for another topology or block would start the old lab where the
    caller expects the new one: refuse, and say how to get what was asked for."""
    asked = topo.load(args.topology, args.block) if args.topology else None
    if asked and (asked["name"], asked["block"]) != (lab["name"], lab["topology"]["block"]):
        raise LabError(f"{state_dir} holds lab {lab['name']} on {lab['topology']['block']}, not "
                       f"{asked['name']} on {asked['block']}: `python -m lab down --state-dir {state_dir}`, "
                       f"remove the directory, or choose another --state-dir")
    return lab


def write_site_certificate(state_dir, topology, nodes):
    """site.pem/site.key: what an operator's CA issues — one certificate for the site host name and
    every node's host name, DNS names only: no CA puts private addresses in it, so a client that
    connects by address verifies it against the site (or node) name. The inventory imports it."""
    names = [topology["site_hostname"]] + [n["hostname"] for n in nodes if n["hostname"] != topology["site_hostname"]]
    cert, key = pki.LabCA(state_dir).issue(topology["site_hostname"], names)
    (state_dir / "site.pem").write_text(pki.cert_pem(cert))
    key_file = state_dir / "site.key"
    key_file.touch(mode=0o600)
    key_file.write_text(pki.key_pem(key))


def choose_port(addresses, fallback):
    """443 when every address can bind it (root), else the fallback port."""
    for address in addresses:
        probe = socket.socket()
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, DEFAULT_PORT))
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EADDRINUSE):
                return fallback
            raise
        finally:
            probe.close()
    return DEFAULT_PORT


def spawn(state_dir, log_name, module_argv):
    """`python -m MODULE ...` detached in its own session, its output appended to <log_name>.log."""
    with open(state_dir / f"{log_name}.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", *module_argv],
            cwd=topo.REPO_ROOT, env={**os.environ, "PYTHONPATH": str(topo.REPO_ROOT)},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_node(lab, state_dir, name):
    """Starts the node's process unless it runs; returns whether it started one."""
    entry = labstate.node(lab, name)
    if labstate.is_running(entry.get("pid"), name, argv=entry.get("argv")):
        return False
    entry["argv"] = ["lab.appliance", "--state-dir", str(state_dir), "--node", name]
    process = spawn(state_dir, name, entry["argv"])
    entry["pid"] = process.pid
    (state_dir / f"{name}.pid").write_text(f"{process.pid}\n")
    labstate.save(state_dir, lab)
    return True


def start_device(lab, state_dir, kind):
    """Starts the NAT or gateway device unless it runs; returns whether it started it."""
    device, program = lab[kind], DEVICES[kind]
    if labstate.is_running(device.get("pid"), str(state_dir), program, device.get("argv")):
        return False
    device["argv"] = [program, "--state-dir", str(state_dir)]
    process = spawn(state_dir, kind, device["argv"])
    device["pid"] = process.pid
    labstate.save(state_dir, lab)
    deadline = time.monotonic() + READY_TIMEOUT
    while not _accepts(device["address"], device["port"]):
        if time.monotonic() > deadline or process.poll() is not None:
            raise LabError(f"the {kind} device did not start; see {state_dir / (kind + '.log')}")
        time.sleep(0.05)
    return True


def stop_device(lab, state_dir, kind):
    """Stops the device; returns whether it ran."""
    return labstate.signal_node(lab[kind], str(state_dir), signal.SIGTERM, program=DEVICES[kind])


def _accepts(address, port):
    try:
        socket.create_connection((address, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def wait_ready(lab, name, timeout=READY_TIMEOUT):
    """Waits until the node answers on its control port, which it opens once its listeners are up
    (its unique IP may be disabled by hand: then it serves other addresses, or none)."""
    entry = labstate.node(lab, name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Alive, not is_running(): right after the spawn its cmdline can still be ours (`lab up`), and a
        # node that serves would be reported as exited (it kept running, outside the lab's control).
        if not labstate.is_alive(entry["pid"]):
            log = Path(lab["state_dir"]) / (name + ".log")
            tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
            raise LabError(f"{name} exited; see {log}" + "".join(f"\n  {line}" for line in tail))
        try:
            return labstate.control(entry, "GET", "/control/state", timeout=2)
        except LabError:
            time.sleep(0.05)
    raise LabError(f"{name} did not answer on its control port {entry['address']}:{entry['control_port']}"
                   f" within {timeout} s")


def write_trust_bundle(lab, state_dir):
    """Every factory certificate and the lab CA, so clients verify from the first contact."""
    pems = [labstate.control(entry, "GET", "/control/state")["factory_certificate_pem"]
            for entry in lab["nodes"].values()]
    pems.append(pki.LabCA(state_dir).cert_path.read_text())
    (state_dir / "trust.pem").write_text("".join(pems))


# --- lifecycle of running nodes ----------------------------------------------------------------
def cmd_down(args):
    state_dir = resolve_state_dir(args)
    lab = labstate.load(state_dir)
    for name, entry in lab["nodes"].items():
        if labstate.signal_node(entry, name, signal.SIGTERM):
            print(f"{name}: stopped")
    for kind in DEVICES:
        if kind in lab and stop_device(lab, state_dir, kind):
            print(f"{kind}: stopped")
    return 0


def cmd_status(args):
    print_table(labstate.load(resolve_state_dir(args)))
    return 0


def cmd_kill(args):
    return _signal(args, signal.SIGKILL, "killed")


def cmd_stop(args):
    return _signal(args, signal.SIGTERM, "stopped")


def _signal(args, signum, verb):
    lab = labstate.load(resolve_state_dir(args))
    done = labstate.signal_node(labstate.node(lab, args.node), args.node, signum)
    print(f"{args.node}: {verb}" if done else f"{args.node}: was not running")
    return 0


def cmd_start(args):
    state_dir = resolve_state_dir(args)
    lab = labstate.load(state_dir)
    started = start_node(lab, state_dir, args.node)
    wait_ready(lab, args.node)
    print(f"{args.node}: {'started' if started else 'already running'}")
    return 0


def cmd_reset(args):
    entry = labstate.node(labstate.load(resolve_state_dir(args)), args.node)
    print(labstate.control(entry, "POST", "/control/reset")["message"])
    return 0


def cmd_requests(args):
    lab = labstate.load(resolve_state_dir(args))
    names = args.nodes or list(lab["nodes"])
    if args.summary:
        summaries = {name: labstate.control(labstate.node(lab, name), "GET",
                                            f"/control/requests/summary?since={args.since}") for name in names}
        print(json.dumps(summaries, indent=2) if args.json else summary_table(summaries))
        return 0
    query = f"?since={args.since}" + ("&writes=1" if args.writes else "")
    rows = [row for name in names
            for row in labstate.control(labstate.node(lab, name), "GET", f"/control/requests{query}")["requests"]]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in sorted(rows, key=lambda r: r["time"]):
        stamp = time.strftime("%H:%M:%S", time.localtime(row["time"]))
        target = f"{row['path']} action={row['action']}" if row["action"] else row["path"]
        marks = f"{'changed' if row['changed'] else '-':<7} {'by hand' if row['via'] else row['api']:<10}"
        print(f"{stamp} {row['appliance']:<6} {row['method']:<6} {row['status']} {marks} {target}")
    return 0


def summary_table(summaries):
    lines = [f"{'node':<8} {'requests':>8} {'writes':>6} {'tokens':>6} {'mgmt':>5} {'mgmt-w':>6} {'vendor':>6}"
             f" {'by-hand':>7}"]
    for name, s in summaries.items():
        lines.append(f"{name:<8} {s['requests']:>8} {s['writes']:>6} {s['tokens_minted']:>6}"
                     f" {s['management']['requests']:>5} {s['management']['writes']:>6} {s['vendor']['requests']:>6}"
                     f" {s['by_hand']['requests']:>7}")
    return "\n".join(lines)


def cmd_page(args):
    """Sets by hand what a person sets on a web page (see `POST /control/page`)."""
    entry = labstate.node(labstate.load(resolve_state_dir(args)), args.node)
    try:
        body = json.loads(args.body) if args.body is not None else None
    except ValueError as error:
        raise LabError(f"the body is not JSON: {error}") from None
    answer = labstate.control(entry, "POST", "/control/page",
                              {"method": args.method.upper(), "path": args.path, "body": body})
    print(json.dumps(answer["body"], indent=2) if answer["body"] is not None else f"HTTP {answer['status']}")
    if answer["status"] >= 400:
        print(f"error: {args.method.upper()} {args.path} answered {answer['status']}", file=sys.stderr)
        return 1
    return 0


def cmd_site_data(args):
    entry = labstate.node(labstate.load(resolve_state_dir(args)), args.node)
    payload = {"kind": args.kind, "name": args.name, "size": args.size}
    if args.value is not None:
        payload["value"] = args.value
    print(json.dumps(labstate.control(entry, "POST", "/control/site-data", payload)))
    return 0


def cmd_deploy_pair(args):
    from lab.deploy import PairDeployment
    state_dir = resolve_state_dir(args)
    PairDeployment(labstate.load(state_dir), state_dir).run(args.timeout)
    return 0


# --- faults and the NAT device ------------------------------------------------------------------
def cmd_fault(args):
    state_dir = resolve_state_dir(args)
    lab = labstate.load(state_dir)
    nodes = args.nodes or (list(lab["nodes"]) if args.fault == "heal" else [])
    if not nodes:
        raise LabError(f"fault {args.fault} needs a node")
    for name in nodes:
        entry = labstate.node(lab, name)
        path, payload = _fault_request(args, lab, name, nodes)
        labstate.control(entry, "POST", path, payload)
        print(f"{name}: {args.fault}")
    return 0


def _fault_request(args, lab, name, nodes):
    """The control request that sets the fault on one node."""
    if args.fault == "isolate":
        return "/control/faults", {"isolated": True}
    if args.fault == "partition":
        if len(nodes) != 2:
            raise LabError("fault partition takes exactly two nodes")
        other = next(node for node in nodes if node != name)
        current = labstate.control(lab["nodes"][name], "GET", "/control/faults")["partitioned_from"]
        return "/control/faults", {"partitioned_from": sorted({*current, lab["nodes"][other]["address"]})}
    if args.fault == "heal":
        return "/control/faults/heal", {}
    if args.fault == "slow-sync":
        return "/control/faults", {"sync_throughput": args.throughput}
    if args.fault == "fail-sync":
        return "/control/faults", {"failing_syncs": args.count, "failing_sync_message": args.message}
    if args.fault == "burst":
        return "/control/faults", {"error_burst": args.count, "error_status": args.status}
    if args.fault == "backup-error":
        if not args.body:
            raise LabError("fault backup-error needs --body TEXT (the error the backup download answers)")
        return "/control/faults", {"backup_error_body": args.body}
    return "/control/expire-tokens", {}


def cmd_nat(args):
    state_dir = resolve_state_dir(args)
    lab = labstate.load(state_dir)
    if "nat" not in lab:
        raise LabError("this lab has no NAT device (add `nat: {offset: 60, target: site1}` to the topology)")
    if args.target:
        labstate.node(lab, args.target)
        lab["nat"]["target"] = args.target
        labstate.save(state_dir, lab)
    start_device(lab, state_dir, "nat")
    nat = lab["nat"]
    print(f"nat {nat['address']}:{nat['port']} -> {nat['target']} ({lab['nodes'][nat['target']]['address']})")
    return 0


def cmd_gateway(args):
    """`gateway down` makes the gateway unreachable (nothing answers there), `gateway up` reachable."""
    state_dir = resolve_state_dir(args)
    lab = labstate.load(state_dir)
    if "gateway" not in lab:
        raise LabError("this lab has no gateway device (add `gateway: {offset: 1}` to the topology)")
    if args.state == "down":
        stop_device(lab, state_dir, "gateway")
    elif args.state == "up":
        start_device(lab, state_dir, "gateway")
    gateway = lab["gateway"]
    up = labstate.is_running(gateway.get("pid"), str(state_dir), DEVICES["gateway"], gateway.get("argv"))
    print(f"gateway {gateway['address']}:{gateway['port']} {'up' if up else 'down'}")
    return 0


# --- inventory and certificates --------------------------------------------------------------
def cmd_inventory(args):
    from lab.inventory import build_inventory
    state_dir = resolve_state_dir(args)
    if labstate.lab_file(state_dir).exists():
        lab = labstate.load(state_dir)
        topology, port = lab["topology"], lab["port"]
    else:
        topology = topo.load(args.topology, args.block)
        # No lab runs here yet: describe what `up` does on a free block, whatever else is running.
        port = DEFAULT_PORT if os.geteuid() == 0 else args.port
    inventory = build_inventory(topology, port, state_dir)
    print(yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False, width=200), end="")
    return 0


def cmd_issue_cert(args):
    state_dir = resolve_state_dir(args)
    names = list(args.san) + [f"*.{domain}" for domain in args.wildcard]
    if args.node:
        entry = labstate.node(labstate.load(state_dir), args.node)
        names += [entry["hostname"]] + ([] if args.names_only else [entry["address"]])
    if args.names_only:
        addresses = [name for name in names if pki.is_address(name)]
        if addresses:
            raise LabError(f"--names-only, yet --san names addresses: {', '.join(addresses)}")
    cert, key = pki.LabCA(state_dir).issue(args.name, names or [args.name])
    Path(args.out_cert).write_text(pki.cert_pem(cert))
    Path(args.out_key).touch(mode=0o600)
    Path(args.out_key).write_text(pki.key_pem(key))
    print(f"issued {args.name} ({pki.fingerprint(cert)})")
    return 0


# --- helpers ----------------------------------------------------------------------------------
def resolve_state_dir(args):
    if args.state_dir:
        return Path(args.state_dir).resolve()
    name = "demo"
    if getattr(args, "topology", None):
        with open(args.topology, encoding="utf-8") as handle:
            name = yaml.safe_load(handle)["name"]
    return topo.default_state_dir(name)


def print_table(lab):
    print(f"lab {lab['name']} in {lab['state_dir']} (trust bundle {lab['trust_bundle']})")
    print(f"{'node':<8} {'hostname':<28} {'address':<15} {'port':>5} {'control':>7} {'pid':>7}  alive")
    for name, entry in lab["nodes"].items():
        alive = labstate.is_running(entry.get("pid"), name, argv=entry.get("argv"))
        print(f"{name:<8} {entry['hostname']:<28} {entry['address']:<15} {entry['port']:>5}"
              f" {entry['control_port']:>7} {entry.get('pid') or '-':>7}  {'yes' if alive else 'no'}")
    for kind in (kind for kind in DEVICES if kind in lab):
        device = lab[kind]
        alive = labstate.is_running(device.get("pid"), lab["state_dir"], DEVICES[kind], device.get("argv"))
        what = "-> " + device["target"] if kind == "nat" else "answers TCP"
        print(f"{kind:<8} {what:<28} {device['address']:<15} {device['port']:>5} {'-':>7}"
              f" {device.get('pid') or '-':>7}  {'yes' if alive else 'no'}")


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m lab", description="The sra.appliance lab.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, handler, help_text, node=False):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--state-dir", help="default: .lab/<topology name> in the repository")
        if node:
            sub.add_argument("node")
        sub.set_defaults(handler=handler)
        return sub

    for name, handler, help_text in (("up", cmd_up, "start every appliance of a topology"),
                                     ("inventory", cmd_inventory, "print the Ansible inventory")):
        sub = command(name, handler, help_text)
        sub.add_argument("--topology", help="a topology file (lab/topologies/*.yml)")
        sub.add_argument("--block", help="address block (CIDR in 127.0.0.0/8), overrides the file's")
        sub.add_argument("--port", type=int, default=FALLBACK_PORT, help="port when 443 cannot be bound")
        sub.add_argument("--control-port", type=int, default=CONTROL_PORT)
    command("down", cmd_down, "stop every appliance")
    command("status", cmd_status, "show every appliance and whether it runs")
    command("kill", cmd_kill, "SIGKILL one appliance", node=True)
    command("stop", cmd_stop, "SIGTERM one appliance (graceful)", node=True)
    command("start", cmd_start, "start a stopped or killed appliance with its state", node=True)
    command("reset", cmd_reset, "reset one appliance to its factory state", node=True)
    sub = command("requests", cmd_requests, "the request log (or --summary: counts) of appliances")
    sub.add_argument("nodes", nargs="*", help="node(s); default every node")
    sub.add_argument("--writes", action="store_true", help="only requests that changed state")
    sub.add_argument("--summary", action="store_true",
                     help="per node: requests, writes, tokens minted, management/vendor, by hand")
    sub.add_argument("--since", type=int, default=0, help="only requests after this log id")
    sub.add_argument("--json", action="store_true")
    sub = command("page", cmd_page, "set by hand what a person sets on a web page (a management API page)",
                  node=True)
    sub.add_argument("method", help="GET, PUT, POST or DELETE")
    sub.add_argument("path", help="e.g. /login/api/v1/failover/backup-settings")
    sub.add_argument("body", nargs="?", help="the JSON body")
    sub = command("deploy-pair", cmd_deploy_pair,
                  "deploy the failover pair by hand, through the control interface (idempotent)")
    sub.add_argument("--timeout", type=float, default=120, help="seconds to wait for the initial data sync")
    sub = command("site-data", cmd_site_data, "create site data on one appliance", node=True)
    sub.add_argument("--kind", required=True, choices=["users", "settings", "recordings", "files", "logs"])
    sub.add_argument("--name", required=True)
    sub.add_argument("--size", type=int, default=0, help="bytes")
    sub.add_argument("--value", help="a value for users and settings")
    sub = command("fault", cmd_fault, "inject or heal a fault (see lab/README.md)")
    sub.add_argument("fault", choices=["isolate", "partition", "heal", "slow-sync", "fail-sync", "burst",
                                       "expire-tokens", "backup-error"])
    sub.add_argument("nodes", nargs="*", help="node(s); heal without nodes heals every node")
    sub.add_argument("--throughput", type=float, help="slow-sync: bytes/s (omit to restore the lab's)")
    sub.add_argument("--count", type=int, default=1, help="fail-sync, burst: how many")
    sub.add_argument("--message", default="The data sync was interrupted (injected fault).",
                     help="fail-sync: the status message")
    sub.add_argument("--status", type=int, default=503, help="burst: 429, 500, 502, 503 or 504")
    sub.add_argument("--body", help="backup-error: what /api/backup answers with HTTP 200 instead of the backup")
    sub = command("nat", cmd_nat, "show or swing the NAT device's target")
    sub.add_argument("--target", help="the appliance new connections go to")
    sub = command("gateway", cmd_gateway, "show the gateway device, or make it unreachable (down) or reachable (up)")
    sub.add_argument("state", nargs="?", choices=["up", "down"])
    sub = command("issue-cert", cmd_issue_cert, "a certificate signed by the lab CA")
    sub.add_argument("--name", required=True, help="common name")
    sub.add_argument("--san", action="append", default=[], help="DNS name or IP (repeatable)")
    sub.add_argument("--node", help="add this node's hostname and address as SANs (hostname only with --names-only)")
    sub.add_argument("--wildcard", action="append", default=[], metavar="DOMAIN",
                     help="add *.DOMAIN as a SAN (repeatable)")
    sub.add_argument("--names-only", action="store_true",
                     help="DNS names only, no IP SAN: as an operator's or a public CA issues it")
    sub.add_argument("--out-cert", required=True)
    sub.add_argument("--out-key", required=True)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (LabError, topo.TopologyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
