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


def is_running(pid, name, program="lab.appliance", argv=None):
    """True when `pid` is still this lab process (not a zombie, not a reused pid).

    ``argv``, the module arguments the process was started with (``start_node`` records them), must
    end its cmdline exactly: pids are shared by every lab on the machine, network namespaces or not,
    and wrap quickly (pid_max 32768, and Ansible forks a worker per task), while every topology has a
    ``site1``. Without ``argv`` (a lab started before it was recorded): `program` is its module,
    `name` another argument it was started with (the node, or the NAT's state dir)."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return False
    if argv:
        wanted = [str(arg).encode() for arg in argv]
        return cmdline[-len(wanted):] == wanted
    return program.encode() in cmdline and name.encode() in cmdline


def is_alive(pid):
    """True while the process `pid` exists and has not exited (a zombie has). For a process this one
    just spawned: its cmdline may still be the parent's for a moment, so is_running() can be False."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def signal_node(entry, name, signum, wait=5.0, program="lab.appliance"):
    """Sends a signal and waits until the process is gone; SIGKILL when SIGTERM is not enough."""
    pid, argv = entry.get("pid"), entry.get("argv")
    if not is_running(pid, name, program, argv):
        return False
    os.kill(pid, signum)
    deadline = time.monotonic() + wait
    while is_running(pid, name, program, argv):
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
