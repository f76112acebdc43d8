"""A lab knows its own processes: pids are shared by every lab on the machine and are reused."""

import subprocess
import sys

from lab import labstate


def test_a_reused_pid_of_another_labs_site1_is_not_this_labs_node(tmp_path):
    other = ["lab.appliance", "--state-dir", str(tmp_path / "other"), "--node", "site1"]
    # A process whose command line looks like another lab's site1 (argv after -c is sys.argv).
    code = "import sys, time; print('ready', flush=True); time.sleep(30)"
    process = subprocess.Popen([sys.executable, "-c", code, *other], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "ready\n"
        ours = ["lab.appliance", "--state-dir", str(tmp_path / "ours"), "--node", "site1"]
        assert labstate.is_running(process.pid, "site1")              # the old test took it for ours
        assert not labstate.is_running(process.pid, "site1", argv=ours)
        assert labstate.is_running(process.pid, "site1", argv=other)
        assert labstate.signal_node({"pid": process.pid, "argv": ours}, "site1", 15) is False
        assert process.poll() is None                                    # nothing was sent to it
    finally:
        process.kill()
        process.wait()


def test_a_process_is_alive_until_it_exits_even_before_its_cmdline_is_its_own():
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    assert labstate.is_alive(process.pid)
    process.stdin.close()
    while process.poll() is None:
        pass
    assert not labstate.is_alive(process.pid)
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    while labstate.is_alive(zombie.pid):       # exits and stays a zombie until waited for
        pass
    zombie.wait()
