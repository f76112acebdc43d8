# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of the action group shares: connection options, the client, and how
failures become module results."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import env_fallback

from ansible_collections.sra.appliance.plugins.module_utils._client import (
    CONFIG, ApplianceClient, ApplianceError, Token, ca_path_problem, server_name_problem)
from ansible_collections.sra.appliance.plugins.module_utils._management import ManagementDriver
from ansible_collections.sra.appliance.plugins.module_utils._waiter import WaitTimeout
# Defined apart, so that the validators can raise it without importing the HTTP client.
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure

# Written once; documented once in plugins/doc_fragments/connection.py.
CONNECTION_ARGUMENT_SPEC = dict(
    host=dict(type="str", required=True),
    port=dict(type="int", default=443),
    client_id=dict(type="str", fallback=(env_fallback, ["BT_CLIENT_ID"])),
    client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["BT_CLIENT_SECRET"])),
    appliance_user=dict(type="str", fallback=(env_fallback, ["SRA_APPLIANCE_USER"])),
    appliance_password=dict(type="str", no_log=True, fallback=(env_fallback, ["SRA_APPLIANCE_PASSWORD"])),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    tls_server_name=dict(type="str"),
    timeout=dict(type="int", default=30),
)

UNVERIFIED_WARNING = (
    "validate_certs=false: the TLS certificate of %s is not verified, so whoever answers at that address receives "
    "the API account's credentials and tokens and the /appliance password, and its answers are trusted. Give ca_path "
    "the CA (or the appliance's self-signed factory certificate) instead, and tls_server_name when the certificate "
    "names the site rather than the address (docs/tls.md)")

# Documented once in plugins/doc_fragments/wait.py.
WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)

CONNECTION_KEYS = tuple(CONNECTION_ARGUMENT_SPEC)


def argument_spec(own, wait=False):
    spec = copy.deepcopy(CONNECTION_ARGUMENT_SPEC)
    if wait:
        spec.update(copy.deepcopy(WAIT_ARGUMENT_SPEC))
    spec.update(own)
    return spec


def validate_connection(module):
    """Check the connection options before any request, and start the module run's clients afresh."""
    reset_clients()
    params = module.params
    problems = []
    if not 1 <= params["port"] <= 65535:
        problems.append("port must be between 1 and 65535, got %s" % params["port"])
    if params["timeout"] <= 0:
        problems.append("timeout must be a positive number of seconds, got %s" % params["timeout"])
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 0:
        problems.append("wait_timeout must be 0 or more seconds, got %s" % params["wait_timeout"])
    if params.get("tls_server_name"):
        problems.append(server_name_problem(params["tls_server_name"]))
    if params.get("ca_path") and params["validate_certs"]:
        problems.append(ca_path_problem(params["ca_path"]))
    problems = [problem for problem in problems if problem]
    if problems:
        module.fail_json(msg="; ".join(problems), failure=CONFIG)
    if not params["validate_certs"]:
        module.warn(UNVERIFIED_WARNING % params["host"])


# One client per appliance (host and port) and options within a module run, and one OAuth token
# per appliance and API account: a module cannot mint two tokens for one appliance, and the
# vendor's cap of 30 live tokens per account is spent slowly. validate_connection() starts each
# run afresh (tests run many modules in one process).
_CLIENTS = {}
_TOKENS = {}


def reset_clients():
    _CLIENTS.clear()
    _TOKENS.clear()


def client_for(params, host=None):
    """The client for ``host`` (default: params['host']) with the module's credentials: the same
    one for the same appliance and options within a module run."""
    options = dict(
        host=host or params["host"], port=params["port"], client_id=params.get("client_id"),
        client_secret=params.get("client_secret"), appliance_user=params.get("appliance_user"),
        appliance_password=params.get("appliance_password"), validate_certs=params["validate_certs"],
        ca_path=params.get("ca_path"), timeout=params["timeout"], tls_server_name=params.get("tls_server_name"))
    key = tuple(sorted(options.items()))
    if key not in _CLIENTS:
        account = (options["host"], options["port"], options["client_id"], options["client_secret"])
        token = _TOKENS.setdefault(account, Token())
        _CLIENTS[key] = ApplianceClient(token=token, **options)
    return _CLIENTS[key]


def driver_for(params, host=None):
    return ManagementDriver(client_for(params, host))


# The vendor's factory password of the /appliance admin: public knowledge (the vendor's guides print it), so
# not a secret. Left among the no_log values, it would mask every "password" in every message as ********,
# and the operator could not read which option to fix (issue 13).
FACTORY_PASSWORD = "password"


def unmask_public_values(module):
    module.no_log_values.discard(FACTORY_PASSWORD)


def run(module, action):
    """Run ``action(module, result)`` and turn known failures into fail_json.

    The action fills ``result`` as it goes (``changed`` as soon as it has written), so a
    failure after a write still reports ``changed: true`` and what was done.
    """
    unmask_public_values(module)
    validate_connection(module)
    result = dict(changed=False)
    try:
        action(module, result)
    except ModuleFailure as exc:
        result.update(exc.details)
        module.fail_json(msg=str(exc), **result)
    except ApplianceError as exc:
        result.update(exc.to_result())
        module.fail_json(msg=str(exc), **result)
    except WaitTimeout as exc:
        result.update(exc.to_result())
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


def unmet_precondition(module, problem, assumption, failure=None):
    """The check-mode rule of DESIGN §4: a precondition that an earlier task of the same run
    would satisfy (a key not set yet, an IP not configured yet) is, in check mode, a warning,
    and the module goes on to plan with the intended values, so the plan of a fresh deployment
    lists every change. Applying, it is a failure before any write: ``failure``, or ``problem``.

    ``assumption`` completes "Assuming an earlier task of this run ..." (e.g. "sets the keys").
    """
    if not module.check_mode:
        raise ModuleFailure(failure or problem)
    module.warn("Precondition not met yet: %s. Assuming an earlier task of this run %s; applying fails if it is "
                "still so" % (problem.rstrip("."), assumption))
