# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each module imports only the heavy libraries it uses (issue 18).

A module run pays for every library it imports (requests 0.18 CPU-s, cryptography 0.12, netaddr
0.085 on the project machine), so each module is imported, and its arguments parsed, in a
fresh interpreter, and the heavy libraries that got loaded must be exactly the ones declared in
MODULES. Work a module does only for some inputs (preflight_checks reading a certificate) may
import more, inside the function that needs it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

HEAVY = ("requests", "cryptography", "netaddr", "dns")
# The HTTP library of module_utils/_client.py: the standard library (http.client and ssl) since
# issue 14, so no heavy library.
HTTP = set()
CONNECTION = dict(host="192.0.2.10")

# module: (heavy libraries it loads, arguments that pass its argument parsing)
MODULES = {
    "appliance_admin": (HTTP, dict(CONNECTION, password="a-good-passw0rd")),
    "appliance_info": (HTTP, CONNECTION),
    "backup": (HTTP, dict(CONNECTION, dest="/nonexistent/backup.nsb")),
    "certificate": (HTTP | {"cryptography"}, dict(CONNECTION, fingerprint="ab" * 32)),
    "certificate_export": (HTTP | {"cryptography"}, dict(CONNECTION, dest="/nonexistent/site.p12", passphrase="p")),
    "cluster": (HTTP, CONNECTION),
    "dns_record": ({"dns"}, dict(server="192.0.2.53", zone="example.com", record="support", value="192.0.2.10")),
    "failover_relationship": (HTTP, dict(CONNECTION, backup_host="192.0.2.11", reverse_host="192.0.2.10")),
    "failover_role": (HTTP, dict(CONNECTION, state="primary")),
    "failover_settings": (HTTP, CONNECTION),
    "failover_sync": (HTTP, CONNECTION),
    "health_info": (HTTP, CONNECTION),
    "inter_appliance_key": (HTTP, dict(CONNECTION, key="a-long-inter-appliance-key")),
    "network_ips": (HTTP, CONNECTION),
    "network_settings": (HTTP, CONNECTION),
    "pair_info": (HTTP, dict(CONNECTION, peer_host="192.0.2.11")),
    # pair_watch reads the site record (dns) on the poll that needs it; dnspython loads with the module.
    "pair_watch": (HTTP | {"dns"}, dict(CONNECTION, peer_host="192.0.2.11", connectivity_test=["192.0.2.1"])),
    "pair_roles": (HTTP, dict(CONNECTION, peer_host="192.0.2.11", flow="planned_failover")),
    "preflight_checks": (HTTP, dict(CONNECTION, site_hostname="support.example.com",
                                    nodes=[dict(name="site1.example.com", role="primary")])),
    "traffic_nodes": (HTTP, CONNECTION),
}

# Runs in the fresh interpreter: import the module, parse its arguments, report what is loaded.
PROBE = """
import importlib, json, sys
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

class Parsed(Exception):
    pass

parse = basic.AnsibleModule.__init__

def parse_then_stop(self, *args, **kwargs):
    parse(self, *args, **kwargs)
    raise Parsed()

basic.AnsibleModule.__init__ = parse_then_stop
name, args, heavy = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3].split(",")
module = importlib.import_module("ansible_collections.sra.appliance.plugins.modules." + name)
stdout = sys.stdout
with patch_module_args(args):
    try:
        sys.stdout = sys.stderr  # a failed parse prints its fail_json here
        module.main()
    except Parsed:
        parsed = True
    except SystemExit:
        parsed = False
    finally:
        sys.stdout = stdout
loaded = sorted(set(name.split(".")[0] for name in sys.modules) & set(heavy))
print(json.dumps(dict(parsed=parsed, loaded=loaded)))
"""


def collections_root():
    """The sys.path entry that holds ansible_collections/sra/appliance (pytest.ini's pythonpath)."""
    for entry in sys.path:
        if os.path.isdir(os.path.join(entry, "ansible_collections", "sra", "appliance", "plugins")):
            return entry
    raise AssertionError("ansible_collections.sra.appliance is not on sys.path; run `make link`")


def modules_dir():
    return os.path.join(collections_root(), "ansible_collections", "sra", "appliance", "plugins", "modules")


def probe(name, args):
    env = dict(os.environ, PYTHONPATH=collections_root())
    done = subprocess.run([sys.executable, "-c", PROBE, name, json.dumps(args), ",".join(HEAVY)],
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_module_is_declared():
    modules = sorted(name[:-3] for name in os.listdir(modules_dir()) if name.endswith(".py") and name != "__init__.py")
    assert modules == sorted(MODULES)


@pytest.fixture(scope="module")
def probes():
    """Every module's probe, a few interpreters at once (each takes a second of CPU)."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = dict((name, pool.submit(probe, name, args)) for name, (dummy, args) in MODULES.items())
        return dict((name, future.result()) for name, future in futures.items())


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_loads_only_the_heavy_libraries_it_declares(name, probes):
    expected, dummy = MODULES[name]
    seen = probes[name]
    assert seen["parsed"], "the arguments of %s in MODULES do not pass its argument parsing" % name
    assert seen["loaded"] == sorted(expected)
