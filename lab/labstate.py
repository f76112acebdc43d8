"""A running lab as the launcher records it: <state>/lab.json, pid files, the control client."""
import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

# Control requests go straight to the appliance, never through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LabError(RuntimeError):
    pass


def lab_file(state_dir):
    return Path(state_dir) / "lab.json"


def load(state_dir):
    path = lab_file(state_dir)
    if not path.exists():
        raise LabError(f"no lab in {state_dir} (run `python -m lab up` first)")
    return json.loads(path.read_text())


def save(state_dir, lab):
    path = lab_file(state_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(lab, indent=2, sort_keys=True))
    temporary.replace(path)


def node(lab, name):
    if name not in lab["nodes"]:
        raise LabError(f"no node {name!r} in this lab (nodes: {', '.join(lab['nodes'])})")
    return lab["nodes"][name]


def is_running(pid, name, program="lab.appliance"):
    """True when `pid` is still this lab process (not a zombie, not a reused pid): `program` is its
    module, `name` another argument it was started with (the node, or the NAT's state dir)."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return program.encode() in cmdline and name.encode() in cmdline


def signal_node(entry, name, signum, wait=5.0, program="lab.appliance"):
    """Sends a signal and waits until the process is gone; SIGKILL when SIGTERM is not enough."""
    pid = entry.get("pid")
    if not is_running(pid, name, program):
        return False
    os.kill(pid, signum)
    deadline = time.monotonic() + wait
    while is_running(pid, name, program):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + wait
        time.sleep(0.02)
    return True


def control(entry, method, path, payload=None, timeout=10):
    """A JSON request to a node's control interface."""
    url = f"http://{entry['address']}:{entry['control_port']}{path}"
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise LabError(f"{method} {url}: {error.code} {error.read().decode(errors='replace')}") from None
    except OSError as error:
        raise LabError(f"{method} {url}: {error}") from None
