# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Against a lab, from a fresh clone (make packaging-lab, in a network namespace of its own):

- the README's lab commands exactly as typed: `site` and `health` with the oldest supported
  ansible-core (SRA_FLOOR_BIN), then a re-run of `site` that changes nothing, and the README's
  plan (`site --check --diff`) of the converged lab;
- `health` (connection options in the playbook's module_defaults) and `site` (the roles'
  sra_connection, the common role's fallbacks) with the credentials only where a controller
  credential puts them: the environment, and extra vars for the key;
- the plan callback: a converged lab is in sync (exit 0), a hand change is drift (exit 3) and
  listed, a bad credential is an error (ansible-playbook's own status).

The tests run in file order on one lab, each starting from the state the previous one left.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import ssl
import sys
import urllib.request

import pytest
import yaml

from helpers import credential_types, inject_credential, run, user_env
from readme import ansible_commands

pytestmark = pytest.mark.lab

API, ADMIN = "BeyondTrust SRA API account", "BeyondTrust SRA appliance administration"
SECRETS = ("sra_client_id", "sra_client_secret", "sra_appliance_user", "sra_appliance_password",
           "sra_inter_appliance_key")
HAND_CHANGED = "tn1.eu-west.lab.sra.test"


def in_loopback_only_namespace():
    """Whether this process's network namespace has no interface but lo (as `unshare --net`
    makes one), where the lab can take inventories/lab's addresses without meeting a demo lab."""
    with open("/proc/net/dev") as handle:
        interfaces = [line.split(":")[0].strip() for line in handle.readlines()[2:]]
    return interfaces == ["lo"]


@pytest.fixture(scope="module")
def floor_bin():
    if not os.environ.get("SRA_FLOOR_BIN"):
        pytest.fail("SRA_FLOOR_BIN must name the bin/ of the floor's virtualenv (make packaging-lab sets it)")
    return os.environ["SRA_FLOOR_BIN"]


@pytest.fixture(scope="module")
def lab(fresh_clone):
    """The lab of inventories/lab, started as `make lab-up` starts it."""
    if not in_loopback_only_namespace():
        pytest.fail("the lab takes inventories/lab's addresses: run this inside `unshare --net` (make packaging-lab)")
    state = os.path.join(fresh_clone, ".lab", "demo")
    lab_command = "%s -m lab %%s --state-dir %s" % (sys.executable, state)
    run(lab_command % "up --topology lab/topologies/demo.yml", cwd=fresh_clone, timeout=120)
    yield state
    run(lab_command % "down", cwd=fresh_clone, check=False)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("lab-home"))


@pytest.fixture(scope="module")
def lab_vars(fresh_clone):
    with open(os.path.join(fresh_clone, "inventories", "lab", "hosts.yml")) as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def injected(fresh_clone, lab_vars, home):
    """An inventory without credentials, and what the collection's credential types inject for
    the lab's credentials: (environment, extra-vars argument)."""
    inventory = dict(lab_vars)
    inventory["all"] = dict(lab_vars["all"], vars={key: value for key, value in lab_vars["all"]["vars"].items()
                                                   if key not in SECRETS})
    # Next to inventories/lab, so its paths relative to inventory_dir still lead to .lab/demo.
    directory = os.path.join(fresh_clone, "inventories", "injected")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "hosts.yml"), "w") as handle:
        yaml.safe_dump(inventory, handle)
    lab = lab_vars["all"]["vars"]
    types = credential_types()
    env, extra = {}, {}
    for name, inputs in ((API, dict(client_id=lab["sra_client_id"], client_secret=lab["sra_client_secret"])),
                         (ADMIN, dict(appliance_user=lab["sra_appliance_user"],
                                      appliance_password=lab["sra_appliance_password"],
                                      inter_appliance_key=lab["sra_inter_appliance_key"]))):
        type_env, type_extra = inject_credential(types[name], inputs)
        env.update(type_env)
        extra.update(type_extra)
    extra_file = os.path.join(home, "credential-extra-vars.json")
    with open(extra_file, "w") as handle:
        json.dump(extra, handle)
    return env, "-e @%s" % extra_file


def playbook(venv_bin, home, fresh_clone, arguments, check=True, **env):
    return run("ansible-playbook " + arguments, cwd=fresh_clone, env=user_env(home, venv_bin=venv_bin, **env),
               check=check, timeout=900)


def changed_per_host(output):
    return dict((host, int(changed)) for host, changed in re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M))


def plan_env(home, **extra):
    return dict(ANSIBLE_CALLBACKS_ENABLED="sra.appliance.plan", SRA_PLAN_FILE=os.path.join(home, "plan.json"), **extra)


def read_plan(home):
    with open(os.path.join(home, "plan.json")) as handle:
        return json.load(handle)


README_PLAN = "ansible-playbook -i inventories/lab playbooks/site.yml --check --diff"


def test_the_readme_lab_commands_work_as_typed_on_the_floor(lab, fresh_clone, floor_bin, home):
    commands = ansible_commands(lab=True)
    assert README_PLAN in commands and len(commands) >= 3
    for command in commands:
        if command != README_PLAN:  # run on the converged lab below, as the plan step
            run(command, cwd=fresh_clone, env=user_env(home, venv_bin=floor_bin), timeout=900)


def test_a_rerun_on_the_floor_changes_nothing(lab, fresh_clone, floor_bin, home):
    done = playbook(floor_bin, home, fresh_clone, "-i inventories/lab playbooks/site.yml")
    changed = changed_per_host(done.stdout)
    assert len(changed) == 5 and set(changed.values()) == {0}, changed


def test_the_readme_plan_of_a_converged_lab_is_in_sync(lab, fresh_clone, home):
    done = run(README_PLAN, cwd=fresh_clone, env=user_env(home, **plan_env(home)), check=False, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:]
    document = read_plan(home)
    assert (document["status"], document["complete"], document["summary"]["changed_tasks"]) == ("in_sync", True, 0)
    assert len(document["hosts"]) == 5
    assert "sra.appliance.plan: in_sync" in done.stdout


def test_health_with_injected_credentials(lab, fresh_clone, home, injected):
    env, _extra = injected
    done = playbook(os.path.dirname(sys.executable), home, fresh_clone, "-i inventories/injected playbooks/health.yml",
                    **env)
    assert "All 5 appliances are healthy and the site reaches its primary." in done.stdout


def change_the_gateway_by_hand(lab_vars, state, address):
    """What an administrator does on the IP Configuration page, here through the management API."""
    host = lab_vars["all"]["children"]["sra_traffic_nodes"]["hosts"][HAND_CHANGED]
    credentials = lab_vars["all"]["vars"]
    tls = ssl.create_default_context(cafile=os.path.join(state, "trust.pem"))
    tls.check_hostname = False  # the site certificate names the site; the chain is still verified
    request = urllib.request.Request(
        "https://%s/appliance/api/v1/network/gateway" % host["sra_address"], method="PUT",
        data=json.dumps(dict(address=address, interface="eth0")).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": "Basic " +
                 base64.b64encode(("%s:%s" % (credentials["sra_appliance_user"],
                                              credentials["sra_appliance_password"])).encode()).decode()})
    with urllib.request.urlopen(request, context=tls, timeout=30) as answer:
        assert json.loads(answer.read())["address"] == address


def test_a_hand_change_is_drift_and_listed_with_injected_credentials(lab, fresh_clone, floor_bin, home,
                                                                     lab_vars, injected):
    env, extra = injected
    change_the_gateway_by_hand(lab_vars, lab, "127.0.10.254")
    done = playbook(floor_bin, home, fresh_clone, "-i inventories/injected playbooks/site.yml --check --diff %s" % extra,
                    check=False, **dict(env, **plan_env(home)))
    assert done.returncode == 3, done.stdout[-3000:]
    document = read_plan(home)
    assert (document["status"], document["exit_code"]) == ("drift", 3)
    assert document["summary"]["changed_hosts"] == [HAND_CHANGED]
    [change] = document["hosts"][HAND_CHANGED]["changes"]
    assert change["action"] == "sra.appliance.network_settings" and change["role"] == "network"
    assert change["diff"][0]["before"]["gateway"]["address"] == "127.0.10.254"
    assert change["diff"][0]["after"]["gateway"]["address"] == "127.0.10.1"
    with open(os.path.join(home, "plan.json")) as handle:
        text = handle.read()
    for secret in ("sra_client_secret", "sra_appliance_password", "sra_inter_appliance_key"):
        assert lab_vars["all"]["vars"][secret] not in text


def test_a_bad_credential_is_an_error(lab, fresh_clone, home):
    done = playbook(os.path.dirname(sys.executable), home, fresh_clone,
                    "-i inventories/lab playbooks/site.yml --check --diff -e sra_client_secret=not-the-secret",
                    check=False, **plan_env(home))
    assert done.returncode not in (0, 3), done.stdout[-3000:]
    document = read_plan(home)
    assert (document["status"], document["complete"], document["exit_code"]) == ("error", True, None)
    assert document["summary"]["failed_hosts"]
    assert "not-the-secret" not in json.dumps(document)
