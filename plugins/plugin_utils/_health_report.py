# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health report: what the ``health`` playbook read, as one document for people and pipelines.

Pure functions (no I/O but the existence check of ``sra_ca_path``). The playbook reads the
appliances (``pair_info`` for the failover pair, ``health_info`` for every appliance) and hands
their results here through ``hostvars``; this module turns them into the report that the table,
the HTML view, the JSON file and the AWX/AAP job stats all show (schema in docs/health.md).

The failover pair's verdict is the pair engine's (``pair_info``'s ``pair``, ``site`` and
``problems``): this module adds what the engine does not read (the DNS record, certificates,
cluster membership, traffic nodes) and tells configuration errors from outages, so that a
variable not set or a refused credential does not read as "unreachable" on every row.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import time

SCHEMA = "sra.appliance.health/1"
PAIR, TRAFFIC, STANDALONE = "sra_failover_pair", "sra_traffic_nodes", "sra_standalone"
GROUPS = (PAIR, TRAFFIC, STANDALONE)
GROUP_LABELS = {PAIR: "failover_pair", TRAFFIC: "traffic_node", STANDALONE: "standalone"}
NO_REGION = "(no region)"

# What the playbook registers, per host (the names are the playbook's contract with this module).
READ_VAR = "sra_health_read"            # health_info
PAIR_VAR = "sra_health_pair"            # pair_info (run once: the same on both hosts of the pair)
PAIR_CHECK_VAR = "sra_health_pair_check"  # the pair_args check of the inventory (set_fact)
DNS_VAR = "sra_health_dns"              # the site's DNS record (dns_swing)

# Row states. The first two are answers; the rest say why there is no answer to trust.
HEALTHY, UNHEALTHY = "healthy", "unhealthy"
UNREACHABLE, TLS, AUTH, ERROR, CONFIG, NOT_READ = "unreachable", "tls", "auth", "error", "config", "not_read"
STATES = (HEALTHY, UNHEALTHY, UNREACHABLE, TLS, AUTH, ERROR, CONFIG, NOT_READ)
# A read that failed for one of these is the inventory's (or the credentials') fault, not the appliance's.
CONFIG_STATES = (CONFIG, AUTH)

# The failure kinds health_info reports (``failure``) -> row states.
FAILURE_STATES = {"unreachable": UNREACHABLE, "tls": TLS, "auth": AUTH, "config": CONFIG, "refused": ERROR,
                  "http": ERROR}
CREDENTIAL_HINT = ("check sra_client_id and sra_client_secret (or BT_CLIENT_ID and BT_CLIENT_SECRET), and that the "
                   "API account is enabled in /login > Management > API Configuration")
# How the pair engine words the problems of an ``unreadable`` pair: its kind (_pair._KIND_PROBLEMS) and
# the site's address, which has no single primary to reach (health_problems, site_verdict).
CONSEQUENCES_OF_UNREADABLE = ("an appliance cannot be read", "site address ")


# -- small helpers ---------------------------------------------------------------------------------
def _vars(hostvars, host):
    """A host's variables, or {} for a host hostvars does not know."""
    try:
        return hostvars[host]
    except KeyError:
        return {}


def _get(host_vars, name, default=None):
    """One variable; a value that cannot be templated (it names an undefined variable) reads as
    missing, and the error is returned beside it."""
    try:
        value = host_vars.get(name, default)
    except Exception as exc:
        # Whatever templating raised (an undefined variable, a failing lookup), the value is unusable.
        # Not ansible.errors.AnsibleError: importing controller code here would make every module run
        # in the same process (the unit tests) report its warnings to the controller's display.
        return default, "%s cannot be evaluated: %s" % (name, exc)
    return value, None


def _value(host_vars, name, default=None):
    return _get(host_vars, name, default)[0]


def _result(host_vars, name):
    """A registered result, or None when the task did not register one (the host never got there)."""
    value = _value(host_vars, name)
    return value if isinstance(value, dict) else None


def duration(seconds):
    """Seconds as a person reads an age: 45 s, 12 min, 5 h, 3 days."""
    if seconds is None:
        return None
    seconds = int(seconds)
    if seconds < 0:
        return "%d s in the future" % -seconds
    if seconds < 120:
        return "%d s" % seconds
    if seconds < 2 * 3600:
        return "%d min" % (seconds // 60)
    if seconds < 2 * 86400:
        return "%d h" % (seconds // 3600)
    return "%d days" % (seconds // 86400)


def iso_utc(epoch):
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).isoformat()


def _groups_of(groups):
    return dict((group, list((groups or {}).get(group) or [])) for group in GROUPS)


def _all_hosts(groups):
    seen = []
    for group in GROUPS:
        seen.extend(host for host in groups[group] if host not in seen)
    return seen


# -- configuration ---------------------------------------------------------------------------------
def config_problems(groups, hostvars, env=None):
    """What in the inventory (or the environment) stops the health of each appliance from being read.

    ``env`` says which of BT_CLIENT_ID and BT_CLIENT_SECRET are set (true/false: the values are
    never handed around). Returns {host: [problem, ...]} with only the hosts that have one."""
    env = env or {}
    groups = _groups_of(groups)
    found = {}
    for host in _all_hosts(groups):
        problems = _host_config_problems(_vars(hostvars, host), env)
        if problems:
            found[host] = problems
    return found


def _host_config_problems(host_vars, env):
    problems = []
    address, error = _get(host_vars, "sra_address")
    if error or not address:
        problems.append(error or "sra_address is not set: give the appliance's own address (never the site host name)")
    client_id, id_error = _get(host_vars, "sra_client_id")
    secret, secret_error = _get(host_vars, "sra_client_secret")
    problems.extend(error for error in (id_error, secret_error) if error)
    if not ((client_id or env.get("BT_CLIENT_ID")) and (secret or env.get("BT_CLIENT_SECRET"))):
        problems.append("no API account credentials: set sra_client_id and sra_client_secret (vault them), or "
                        "BT_CLIENT_ID and BT_CLIENT_SECRET in the environment (an AWX/AAP credential injects them)")
    port, error = _get(host_vars, "sra_port", 443)
    if error:
        problems.append(error)
    elif not _is_port(port):
        problems.append("sra_port is %r: give the appliance's HTTPS port, 1 to 65535" % (port,))
    ca_path, error = _get(host_vars, "sra_ca_path")
    if error:
        problems.append(error)
    elif ca_path and not os.path.exists(str(ca_path)):
        problems.append("sra_ca_path %s does not exist on the controller: give the PEM bundle of the CA that issued "
                        "the appliances' certificates" % ca_path)
    return problems


def _is_port(value):
    try:
        return 1 <= int(value) <= 65535
    except (TypeError, ValueError):
        return False


# -- classifying a failed read ---------------------------------------------------------------------
def failure_state(result):
    """The row state of a failed task result: why there is no answer.

    The collection's modules say it (``failure``: unreachable, tls, auth, refused, http, config);
    a failed task without it never ran its module: a variable it needs is not set, or an option
    is wrong, which is the inventory's to fix."""
    kind = result.get("failure")
    if kind in FAILURE_STATES:
        return FAILURE_STATES[kind]
    return ERROR if "appliance" in result else CONFIG


def view_state(view):
    """The row state of an appliance the pair engine could not read (its ``status`` down or error,
    ``error_kind`` the client's failure kind)."""
    if view.get("status") == "down":
        return UNREACHABLE
    state = FAILURE_STATES.get(view.get("error_kind"), ERROR)
    # An API that cannot be connected to while the probe answers is not an outage: say it cannot be read.
    return ERROR if state == UNREACHABLE else state


def reason_for(state, text):
    """The row's reason: the error, with what to do when the state says it."""
    if state == AUTH:
        return "%s (%s)" % (text, CREDENTIAL_HINT)
    return text


# -- one appliance ---------------------------------------------------------------------------------
def _empty_row(host, group, host_vars):
    return dict(
        name=host, group=GROUP_LABELS[group], address=_value(host_vars, "sra_address"),
        region=_value(host_vars, "sra_region") if group == TRAFFIC else None,
        normal_role=_value(host_vars, "sra_normal_role") if group == PAIR else None,
        state=NOT_READ, reason=None, role=None, cluster_role=None, healthy=None, error_message=None,
        hostname=None, appliance_id=None, version=None, build=None, enabled_shared_ips=[],
        last_data_sync=None, probe=None, certificate=None, appliances_error=None, in_cluster=None,
        accepting_connections=None, problems=[], warnings=[])


def _answer_state(row):
    """healthy or unhealthy, with the reason, for an appliance that answered check_health."""
    if row["healthy"] is False:
        return UNHEALTHY, row["error_message"] or "check_health reports success 0 without a message"
    probe = row["probe"]
    if probe is not None and probe.get("healthy") is False:
        return UNHEALTHY, "/check_health answers %s: %s" % (probe.get("status"), probe.get("message") or "no text")
    return HEALTHY, None


def _fill_from_health(row, health, now):
    row.update(
        role=health.get("role"), cluster_role=health.get("cluster_role"), healthy=health.get("success"),
        error_message=health.get("error_message"), hostname=health.get("hostname"),
        appliance_id=health.get("appliance_id"), version=health.get("version"), build=health.get("build"),
        enabled_shared_ips=list(health.get("enabled_shared_ips") or []))
    row["last_data_sync"] = _row_sync(health.get("last_data_sync_time"), health.get("last_data_sync_epoch"),
                                      health.get("last_data_sync_status"), now)


def _row_sync(time_text, epoch, status, now):
    if status is None and epoch is None:
        return None
    return dict(time=time_text, epoch=epoch, status=status, age=int(now - epoch) if epoch else None)


def _certificate(read):
    """The served certificate as health_info read it, or the reason it could not be."""
    if read is None:
        return None
    certificate = read.get("certificate")
    if isinstance(certificate, dict):
        return dict((key, certificate.get(key)) for key in (
            "days_left", "not_after", "subject", "issuer", "verified", "sha256", "sni", "matched_name"))
    if read.get("failed"):
        return dict(days_left=None, error=str(read.get("msg") or "not read"))
    return None


def _certificate_verdict(row, warn_days):
    certificate = row["certificate"] or {}
    days = certificate.get("days_left")
    if days is None:
        return
    if days < 0:
        row["problems"].append("%s: the certificate it serves (%s) expired %d days ago (%s)"
                               % (row["name"], certificate.get("subject") or "no subject", -days,
                                  certificate.get("not_after")))
    elif warn_days and days < warn_days:
        row["warnings"].append("%s: the certificate it serves (%s) expires in %d days (%s)"
                               % (row["name"], certificate.get("subject") or "no subject", days,
                                  certificate.get("not_after")))


def _read_warnings(host, read):
    return ["%s: %s" % (host, text) for text in (read or {}).get("warnings") or []]


def _failed_row(row, read):
    state = failure_state(read)
    row.update(state=state, reason=reason_for(state, str(read.get("msg") or "no message")))


def appliance_row(host, group, host_vars, config, now, warn_days):
    """A traffic node or a standalone appliance: its own health_info read."""
    row = _empty_row(host, group, host_vars)
    read = _result(host_vars, READ_VAR)
    if config:
        row.update(state=CONFIG, reason="; ".join(config))
        return row
    if read is None or read.get("skipped"):
        row.update(reason="not read: the play did not reach this appliance")
        return row
    row["warnings"].extend(_read_warnings(host, read))
    if read.get("failed"):
        _failed_row(row, read)
        return row
    row["probe"] = read.get("probe")
    _fill_from_health(row, read.get("health") or {}, now)
    row["appliances_error"] = read.get("appliances_error")
    row["certificate"] = _certificate(read)
    row["state"], row["reason"] = _answer_state(row)
    _certificate_verdict(row, warn_days)
    return row


def pair_row(host, host_vars, view, config, now, warn_days):
    """An appliance of the failover pair: the pair engine's view of it, plus what health_info read
    beside it (the certificate, and on the primary the appliance list)."""
    row = _empty_row(host, PAIR, host_vars)
    read = _result(host_vars, READ_VAR)
    if config:
        row.update(state=CONFIG, reason="; ".join(config))
        return row
    row["certificate"] = _certificate(read)
    row["warnings"].extend(_read_warnings(host, read))
    if read and read.get("failed"):
        row["warnings"].append("%s: the served certificate and the appliance list were not read: %s"
                               % (host, read.get("msg") or "no message"))
    elif read:
        row["appliances_error"] = read.get("appliances_error")
    if view is None:
        row["reason"] = "not read: the failover pair was not read"
        return row
    row["probe"] = view.get("probe")
    if view.get("status") == "ok":
        _fill_from_health(row, _health_of_view(view), now)
        row["state"], row["reason"] = _answer_state(row)
        if row["state"] == UNHEALTHY and row["healthy"] is not False:
            # The engine judges check_health; a probe that disagrees is this report's to say.
            row["problems"].append("%s: %s" % (host, row["reason"]))
    else:
        state = view_state(view)
        row.update(state=state, reason=reason_for(state, view.get("error") or "no answer"))
    _certificate_verdict(row, warn_days)
    return row


def _health_of_view(view):
    return dict(role=view.get("role"), success=view.get("healthy"), error_message=view.get("error_message"),
                hostname=view.get("hostname"), appliance_id=view.get("appliance_id"), version=view.get("version"),
                build=view.get("build"), enabled_shared_ips=view.get("enabled_shared_ips"),
                last_data_sync_time=view.get("last_data_sync_time"),
                last_data_sync_epoch=view.get("last_data_sync_epoch"),
                last_data_sync_status=view.get("last_data_sync_status"), cluster_role=None)


def _state_problem(row):
    """The problem a row's state is, for traffic nodes and standalone appliances."""
    if row["state"] in (HEALTHY, NOT_READ) or row["state"] in CONFIG_STATES:
        return None
    labels = {UNHEALTHY: "unhealthy", UNREACHABLE: "unreachable", TLS: "TLS failed", ERROR: "cannot be read"}
    where = "%s (%s)" % (row["name"], row["region"]) if row["region"] else row["name"]
    return "%s: %s: %s" % (where, labels[row["state"]], row["reason"])


# -- the cluster -----------------------------------------------------------------------------------
def _listed(entries, row):
    """The entry of the primary's appliance list that is this appliance (by id, else by name)."""
    for entry in entries or []:
        if row["appliance_id"] and entry.get("id") == row["appliance_id"]:
            return entry
    names = set(filter(None, (row["name"], row["hostname"])))
    for entry in entries or []:
        if names & set(filter(None, (entry.get("name"), entry.get("public_hostname")))):
            return entry
    return None


def cluster_membership(rows, primary_list, host_vars_of):
    """Each appliance's place in the Atlas cluster. A pair member's cluster role comes from the
    primary's appliance list; a traffic node's from its own list when it could say (else from the
    primary's), and a traffic node outside the cluster is a problem."""
    for row in rows:
        entry = _listed(primary_list, row)
        if row["group"] == GROUP_LABELS[PAIR]:
            row["cluster_role"] = row["cluster_role"] or (entry or {}).get("cluster_role")
        elif row["group"] == GROUP_LABELS[TRAFFIC] and row["state"] not in CONFIG_STATES + (NOT_READ,):
            _traffic_membership(row, entry, primary_list, _value(host_vars_of(row["name"]),
                                                                 "sra_accepting_connections", True))


def _traffic_membership(row, entry, primary_list, intended_accepting):
    if entry is not None:
        row["accepting_connections"] = entry.get("accepting_connections")
    if row["cluster_role"]:
        row["in_cluster"] = row["cluster_role"] == "traffic"
        source = "its own get_appliances says cluster_role %s" % row["cluster_role"]
    elif primary_list is not None:
        row["in_cluster"] = entry is not None and entry.get("cluster_role") == "traffic"
        source = "the primary's get_appliances does not list it as a traffic node"
    if row["in_cluster"] is False:
        row["problems"].append("%s: not a traffic node of the Atlas cluster (%s): run playbooks/site.yml"
                               % (row["name"], source))
    accepting = row["accepting_connections"]
    if accepting is not None and bool(accepting) != bool(intended_accepting):
        row["warnings"].append("%s: accepting connections is %s, the inventory says %s (sra_accepting_connections)"
                               % (row["name"], _yes(accepting), _yes(intended_accepting)))


def _yes(value):
    return "yes" if value else "no"


def regions(rows):
    """The traffic nodes by region: name, nodes, how many are healthy."""
    by_region = {}
    for row in rows:
        if row["group"] == GROUP_LABELS[TRAFFIC]:
            by_region.setdefault(row["region"] or NO_REGION, []).append(row)
    return [dict(name=name, nodes=[row["name"] for row in members], total=len(members),
                 healthy=len([row for row in members if row["state"] == HEALTHY and row["in_cluster"] is not False]))
            for name, members in sorted(by_region.items())]


# -- the failover pair -----------------------------------------------------------------------------
def dns_addresses(result):
    """The addresses of the site's A record from a dns_record read: ``state=gathered`` returns them as
    ``addresses``; a check-mode read with diff (``state=absent``, which would remove them) in
    ``diff.before.addresses``. None when the record was not read."""
    if not isinstance(result, dict) or result.get("failed") or result.get("skipped"):
        return None
    diff = result.get("diff")
    if isinstance(diff, dict) and isinstance(diff.get("before"), dict) and "addresses" in diff["before"]:
        return list(diff["before"]["addresses"] or [])
    if "addresses" in result:
        return list(result["addresses"] or [])
    return None


def site_addresses(pair_target, dns_result, method):
    """The addresses the pair_info run checks: the DNS answer for dns_swing, else the inventory's."""
    if method == "dns_swing":
        return dns_addresses(dns_result) or []
    return list((pair_target or {}).get("site_addresses") or [])


def _name_of_answer(answered, appliances):
    for name, view in (appliances or {}).items():
        if answered and answered in (view.get("appliance_id"), view.get("hostname")):
            return name
    return answered


def site_address_section(settings, pair, site, dns_result):
    """Where the site's address leads: per address the appliance that answers there, the verdict
    (the engine's), and for DNS swing the record itself."""
    method = settings["method"]
    appliances = (pair or {}).get("appliances") or {}
    reaches = dict((address, _name_of_answer(answered, appliances))
                   for address, answered in sorted(((site or {}).get("addresses") or {}).items()))
    section = dict(method=method, hostname=settings["site_hostname"], addresses=reaches,
                   reached=(site or {}).get("reached"), checked=bool(site), holders=[], dns=None,
                   problems=[], warnings=[])
    section["holders"] = sorted(set(name for name in reaches.values() if name in appliances))
    if method == "shared_ip":
        section["configured"] = list(settings["shared_ips"])
        if not settings["shared_ips"]:
            section["warnings"].append("the site's address is not checked: sra_shared_ips is empty")
    elif method == "nat_swing":
        section["configured"] = [settings["nat_site_address"]] if settings["nat_site_address"] else []
        if not settings["nat_site_address"]:
            section["warnings"].append("the site's address is not checked: set sra_nat_site_address, the NAT "
                                       "device's address for the site")
    elif method == "dns_swing":
        section["dns"] = _dns_section(settings, dns_result, section)
    return section


def _dns_section(settings, dns_result, section):
    dns = dict(record=(dns_result or {}).get("record") or settings["site_hostname"], server=settings["dns_server"],
               addresses=dns_addresses(dns_result), error=None)
    section["configured"] = list(dns["addresses"] or [])
    if dns_result is None or dns_result.get("skipped"):
        dns["error"] = "not read"
    elif dns_result.get("failed"):
        dns["error"] = str(dns_result.get("msg") or "no message")
        section["problems"].append("the site's DNS record %s cannot be read from %s: %s"
                                   % (dns["record"], dns["server"], dns["error"]))
    elif not dns["addresses"]:
        section["problems"].append("the site host name %s has no A record on %s: clients cannot find the site"
                                   % (dns["record"], dns["server"]))
    return dns


def pair_section(groups, hostvars, config, settings, now, warn_days):
    """The failover pair: its state and verdict (pair_info's) and its two rows."""
    hosts = groups[PAIR]
    if not hosts:
        return None, []
    first = _vars(hostvars, hosts[0])
    check = _result(first, PAIR_CHECK_VAR)
    result = _result(first, PAIR_VAR)
    dns_result = _result(first, DNS_VAR)
    section = dict(state=NOT_READ, summary=None, primary=None, normal_primary=None, normal_backup=None,
                   roles={}, appliances=list(hosts), shared_ip=None, site_address=None, sync=None,
                   healthy=None, problems=[], warnings=[], config_errors=[], error=None)
    config_hosts = [host for host in hosts if host in config]
    if check and check.get("failed"):
        section["config_errors"].append(str(check.get("msg") or "the inventory of the failover pair is wrong"))
    if config_hosts:
        section["config_errors"].extend("%s: %s" % (host, "; ".join(config[host])) for host in config_hosts)
    if section["config_errors"]:
        section.update(state=CONFIG, error="; ".join(section["config_errors"]))
    elif result is None or result.get("skipped"):
        section["error"] = "not read"
    elif result.get("failed"):
        _failed_pair(section, result)
    else:
        _fill_pair(section, result, settings, dns_result)
    views = ((result or {}).get("pair") or {}).get("appliances") or {}
    rows = [pair_row(host, _vars(hostvars, host), views.get(host), config.get(host), now, warn_days)
            for host in hosts]
    return section, rows


def _failed_pair(section, result):
    state = failure_state(result)
    text = reason_for(state, str(result.get("msg") or "no message"))
    section.update(state=state if state in CONFIG_STATES else ERROR, error=text)
    if state in CONFIG_STATES:
        section["config_errors"].append("pair_info: %s" % text)
    else:
        section["problems"].append("the failover pair cannot be read: %s" % text)


def _fill_pair(section, result, settings, dns_result):
    pair = result.get("pair") or {}
    sync = dict(pair.get("sync") or {})
    sync["max_age"] = settings["sync_max_age"]
    sync["age_text"] = duration(sync.get("age"))
    site = site_address_section(settings, pair, result.get("site"), dns_result)
    section.update(
        state=pair.get("kind"), summary=pair.get("summary"), primary=pair.get("primary"),
        normal_primary=pair.get("normal_primary"), normal_backup=pair.get("normal_backup"),
        roles=dict(pair.get("roles") or {}), sync=sync, site_address=site,
        shared_ip=dict(configured=list(settings["shared_ips"]), holders=list(pair.get("shared_ip_holders") or [])))
    section["problems"] = list(result.get("problems") or []) + site["problems"]
    section["warnings"] = ["pair_info: %s" % text for text in result.get("warnings") or []] + site["warnings"]


# -- the report ------------------------------------------------------------------------------------
def _settings(groups, hostvars, settings):
    """The run's settings: from the playbook, else the inventory of the first appliance."""
    settings = dict(settings or {})
    hosts = _all_hosts(groups)
    first = _vars(hostvars, groups[PAIR][0] if groups[PAIR] else (hosts[0] if hosts else None))
    dns = _value(first, "sra_dns") or {}
    shared = _value(first, "sra_shared_ips") or []
    defaults = dict(
        method=_value(first, "sra_network_method", "shared_ip") or "shared_ip",
        site_hostname=_value(first, "sra_site_hostname"),
        shared_ips=[str(ip).split("/", maxsplit=1)[0] for ip in shared],
        nat_site_address=_value(first, "sra_nat_site_address"),
        dns_server=dns.get("server") if isinstance(dns, dict) else None,
        sync_max_age=None, certificate_warn_days=30, now=None)
    for key, value in defaults.items():
        if settings.get(key) is None:
            settings[key] = value
    return settings


def build_report(groups, hostvars, settings=None, config=None):
    """The report of one ``health`` run (schema: docs/health.md)."""
    groups = _groups_of(groups)
    settings = _settings(groups, hostvars, settings)
    config = config or {}
    now = int(settings["now"] if settings["now"] is not None else time.time())
    warn_days = settings["certificate_warn_days"]
    pair, rows = pair_section(groups, hostvars, config, settings, now, warn_days)
    for group in (TRAFFIC, STANDALONE):
        rows.extend(appliance_row(host, group, _vars(hostvars, host), config.get(host), now, warn_days)
                    for host in groups[group] if host not in groups[PAIR])
    primary_list = _primary_list(pair, hostvars)
    cluster_membership(rows, primary_list, lambda host: _vars(hostvars, host))
    report = dict(
        schema=SCHEMA, generated_at=iso_utc(now), generated_epoch=now,
        site=dict(hostname=settings["site_hostname"], network_method=settings["method"]),
        settings=dict(sync_max_age=settings["sync_max_age"], certificate_warn_days=warn_days),
        pair=pair, appliances=rows, regions=regions(rows),
        standalone=[row["name"] for row in rows if row["group"] == GROUP_LABELS[STANDALONE]])
    _verdict(report)
    return report


def _primary_list(pair, hostvars):
    """The appliance list of the pair's primary (health_info ``appliances``), None when not read."""
    if not pair or not pair.get("primary"):
        return None
    read = _result(_vars(hostvars, pair["primary"]), READ_VAR) or {}
    listed = read.get("appliances")
    return listed if isinstance(listed, list) else None


def _verdict(report):
    """problems (what is wrong with the site), config_errors (what stops it from being read), warnings;
    the status: unhealthy when anything is wrong, else config_error, else healthy."""
    pair = report["pair"]
    problems, config_errors, warnings = [], [], []
    if pair:
        _explain_unreadable(pair, report["appliances"])
        if pair["state"] == NOT_READ and not pair["config_errors"]:
            pair["problems"].append("not read (%s)" % (pair["error"] or "no reason given"))
        problems.extend("failover pair: %s" % text for text in pair["problems"])
        config_errors.extend("failover pair: %s" % text for text in pair["config_errors"])
        warnings.extend("failover pair: %s" % text for text in pair["warnings"])
        pair["healthy"] = not pair["problems"] and not pair["config_errors"]
    for row in report["appliances"]:
        in_pair = row["group"] == GROUP_LABELS[PAIR]
        if row["state"] == AUTH or (row["state"] == CONFIG and not in_pair):
            # A pair member's inventory errors are the pair's, listed above.
            config_errors.append("%s: %s" % (row["name"], row["reason"]))
        elif not in_pair and _state_problem(row):
            problems.append(_state_problem(row))
        problems.extend(row["problems"])
        warnings.extend(row["warnings"])
    report.update(problems=problems, config_errors=config_errors, warnings=warnings,
                  counts=dict(appliances=len(report["appliances"]),
                              healthy=len([row for row in report["appliances"] if row["state"] == HEALTHY])))
    report["status"] = "unhealthy" if problems else ("config_error" if config_errors else "healthy")
    report["healthy"] = report["status"] == "healthy"
    return report


def _explain_unreadable(pair, rows):
    """The engine calls a pair it could not read ``unreadable``, a problem, and then finds no single
    primary for the site's address to reach. When every appliance it could not read was refused
    its credentials, both are one configuration error, and the report says so."""
    if pair["state"] != "unreadable":
        return
    members = [row for row in rows if row["group"] == GROUP_LABELS[PAIR]]
    unread = [row for row in members if row["state"] not in (HEALTHY, UNHEALTHY)]
    if unread and all(row["state"] in CONFIG_STATES for row in unread):
        pair["problems"] = [text for text in pair["problems"] if not text.startswith(CONSEQUENCES_OF_UNREADABLE)]
        pair["config_errors"].append("the API account was refused, so the pair's state is not known")
