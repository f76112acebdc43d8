# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real BIND 9 for the dns_record tests: one authoritative zone that takes RFC 2136 updates
signed with a TSIG key, on a loopback address of the eng-cluster block (127.63.53.1).

tools/install-bind.sh installs BIND (the Debian package); CI runs it before the tests. The tests
skip only when ``named`` is not installed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ADDRESS = os.environ.get("SRA_TEST_DNS_ADDRESS", "127.63.53.1")
PORT = int(os.environ.get("SRA_TEST_DNS_PORT", "5353"))
ZONE = "lab.sra.test"
KEY_NAME = "sra-swing-key"
ALGORITHM = "hmac-sha256"
# A fixed secret keeps failures reproducible; it protects nothing but a throwaway test zone.
SECRET = base64.b64encode(b"sra.appliance dns_record test key 32b").decode("ascii")
STARTUP_TIMEOUT = 20

NAMED_CONF = """\
options {{
    directory "{dir}";
    pid-file "{dir}/named.pid";
    session-keyfile "{dir}/session.key";
    listen-on port {port} {{ {address}; }};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-query {{ any; }};
    dnssec-validation no;
    notify no;
}};
controls {{ }};
key "{key}" {{
    algorithm {algorithm};
    secret "{secret}";
}};
zone "{zone}" {{
    type primary;
    file "{dir}/{zone}.zone";
    update-policy {{ grant {key} zonesub A; }};
}};
"""

ZONE_FILE = """\
$TTL 300
@       IN SOA  ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 300
@       IN NS   ns1.{zone}.
ns1     IN A    {address}
"""


class Bind:
    """The running server: where it listens and the key that may update the zone."""

    address = ADDRESS
    port = PORT
    zone = ZONE
    key_name = KEY_NAME
    algorithm = ALGORITHM
    secret = SECRET

    def __init__(self, directory, process):
        self.directory = directory
        self.process = process

    def log(self):
        with open(os.path.join(self.directory, "named.log")) as handle:
            return handle.read()

    def params(self, **extra):
        """dns_record options for this server."""
        params = dict(server=self.address, port=self.port, zone=self.zone, tsig_name=self.key_name,
                      tsig_secret=self.secret, tsig_algorithm=self.algorithm, timeout=5)
        params.update(extra)
        return params

    def serial(self):
        """The zone's SOA serial: every dynamic update raises it, so an unchanged serial proves no update was sent."""
        import dns.message
        import dns.name
        import dns.query
        import dns.rdataclass
        import dns.rdatatype
        answer = dns.query.tcp(dns.message.make_query(self.zone, "SOA"), self.address, port=self.port, timeout=5)
        return answer.find_rrset(answer.answer, dns.name.from_text(self.zone), dns.rdataclass.IN,
                                 dns.rdatatype.SOA)[0].serial


def _wait_until_serving(bind):
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if bind.process.poll() is not None:
            pytest.fail("named exited with %s:\n%s" % (bind.process.returncode, bind.log()))
        try:
            answer = dns.query.tcp(dns.message.make_query(ZONE, "SOA"), ADDRESS, port=PORT, timeout=1)
            if answer.rcode() == dns.rcode.NOERROR and answer.answer:
                return
        except (OSError, EOFError, dns.exception.DNSException):
            pass
        time.sleep(0.2)
    pytest.fail("named did not serve %s on %s port %s within %s s:\n%s" % (ZONE, ADDRESS, PORT, STARTUP_TIMEOUT,
                                                                           bind.log()))


def _address_on_loopback():
    """named listens only on addresses of an interface (unlike a plain bind() on Linux, which
    takes any 127/8 address): put the test address on lo when it is not there. Returns
    whether it was added, so it can be removed afterwards."""
    shown = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", "lo"], capture_output=True, text=True,
                           check=False).stdout
    if (" %s/" % ADDRESS) in shown:
        return False
    added = subprocess.run(["ip", "addr", "add", ADDRESS + "/32", "dev", "lo"], capture_output=True, text=True,
                           check=False)
    if added.returncode != 0:
        pytest.fail("named needs %s on an interface and it could not be added (%s): run the tests as root, add it "
                    "with `ip addr add %s/32 dev lo`, or set SRA_TEST_DNS_ADDRESS to an address of an interface"
                    % (ADDRESS, added.stderr.strip(), ADDRESS))
    return True


@pytest.fixture(scope="session")
def bind_server():
    named = shutil.which("named") or next((path for path in ("/usr/sbin/named", "/usr/local/sbin/named")
                                           if os.access(path, os.X_OK)), None)
    if named is None:
        pytest.skip("BIND 9 (named) is not installed: run tools/install-bind.sh")
    directory = tempfile.mkdtemp(prefix="sra-bind-")
    with open(os.path.join(directory, "named.conf"), "w") as handle:
        handle.write(NAMED_CONF.format(dir=directory, port=PORT, address=ADDRESS, key=KEY_NAME,
                                       algorithm=ALGORITHM, secret=SECRET, zone=ZONE))
    with open(os.path.join(directory, ZONE + ".zone"), "w") as handle:
        handle.write(ZONE_FILE.format(zone=ZONE, address=ADDRESS))
    added_address = _address_on_loopback()
    command = [named, "-g", "-4", "-c", os.path.join(directory, "named.conf")]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command += ["-u", "root"]  # stay root so the journal in the temporary directory stays writable
    log = open(os.path.join(directory, "named.log"), "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    bind = Bind(directory, process)
    try:
        _wait_until_serving(bind)
        yield bind
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)
        if added_address:
            subprocess.run(["ip", "addr", "del", ADDRESS + "/32", "dev", "lo"], check=False, capture_output=True)
