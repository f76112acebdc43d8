# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the health playbook hands the report builder, made for tests: the inventory's hostvars
and the results the playbook registers. The failover pair's result is made by the pair engine
itself (as pair_info makes it), so the report is tested against the engine's real output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.module_utils import _pair as engine

NOW = 1796120000
SITE1, SITE2 = "site1.example.com", "site2.example.com"
TN1, TN2, TN3 = "tn1.eu.example.com", "tn2.eu.example.com", "tn3.us.example.com"
IDS = {SITE1: "a" * 32, SITE2: "b" * 32, TN1: "c" * 32, TN2: "d" * 32, TN3: "e" * 32}
ADDRESSES = {SITE1: "192.0.2.11", SITE2: "192.0.2.12", TN1: "192.0.2.21", TN2: "192.0.2.22", TN3: "192.0.2.23"}
SHARED_IP = "192.0.2.52"
REGIONS = {TN1: "eu-west", TN2: "eu-west", TN3: "us-east"}


def health(name, role="none", success=True, error_message=None, shared=None, sync_age=None, sync_status=None,
           cluster_role=None):
    """A check_health as the vendor layer normalises it."""
    epoch = NOW - sync_age if sync_age is not None else None
    return dict(role=role, success=success, error_message=error_message, enabled_shared_ips=list(shared or []),
                last_data_sync_time="sync-at-%s" % epoch if epoch else None, last_data_sync_epoch=epoch,
                last_data_sync_status=sync_status, version="24.3.1", build="12345-0123abcd", hostname=name,
                appliance_id=IDS[name], cluster_role=cluster_role)


def probe(healthy=True):
    return dict(healthy=healthy, status=200 if healthy else 500, message="Success" if healthy else "Failed: disk")


def view(name, state="primary", sync_age=60, sync_status="Success", shared=None, error=None, error_kind=None,
         probe_ok=True, success=True, error_message=None):
    """One appliance as pair_info's engine sees it. ``state``: a role, or down/error."""
    normal = engine.PRIMARY if name == SITE1 else engine.BACKUP
    if state in ("down", "error"):
        return engine.appliance_view(name, ADDRESSES[name], normal, None, probe(state != "down" and probe_ok),
                                     error or "cannot connect", error_kind or "unreachable")
    if shared is None:
        shared = [SHARED_IP] if state == engine.PRIMARY else []
    return engine.appliance_view(name, ADDRESSES[name], normal,
                                 health(name, state, success, error_message, shared, sync_age, sync_status),
                                 probe(probe_ok))


def pair_result(np_view=None, nb_view=None, reaches=None, errors=None, max_age=86400):
    """pair_info's result for two views: state, site verdict, problems, as the module builds them."""
    np_view = np_view or view(SITE1, "primary")
    nb_view = nb_view or view(SITE2, "backup")
    state = engine.pair_state(np_view, nb_view)
    if reaches is None:
        reaches = {SHARED_IP: IDS[SITE1]}
    site = engine.site_verdict(state, reaches, errors=errors) if reaches else None
    engine.judge_sync_age(state, NOW, max_age)
    result = dict(changed=False, pair=engine.public_state(state), problems=engine.health_problems(state, site),
                  warnings=engine.health_warnings(state))
    if site is not None:
        result["site"] = site
    result["healthy"] = not result["problems"]
    return result


def traffic_read(name, success=True, cluster_role="traffic", probe_ok=True, days_left=300, appliances_error=None):
    """health_info's result on a traffic node or a standalone appliance."""
    read = dict(changed=False, health=health(name, "none", success, None if success else "disk full",
                                             cluster_role=cluster_role),
                probe=probe(probe_ok), certificate=certificate(days_left),
                appliances=None if appliances_error else [appliance_entry(name, cluster_role or "single")])
    if appliances_error:
        read["appliances_error"] = appliances_error
    return read


def certificate(days_left=300):
    return dict(days_left=days_left, not_after="later", subject="support.example.com", issuer="Example CA",
                verified=True, sha256="f" * 64, sni="support.example.com", matched_name="support.example.com")


def appliance_entry(name, cluster_role, accepting=True, failover_role="none"):
    return dict(id=IDS[name], name=name, public_hostname=name, cluster_role=cluster_role,
                failover_role=failover_role, accepting_connections=accepting, timezone_offset=0)


def primary_list(accepting=True, traffic=(TN1, TN2, TN3)):
    return ([appliance_entry(SITE1, "primary", failover_role="primary"),
             appliance_entry(SITE2, "primary", failover_role="backup")]
            + [appliance_entry(name, "traffic", accepting) for name in traffic])


def pair_read(days_left=300, appliances=None):
    """health_info's result on a pair member (health false: the certificate, and on the primary the list)."""
    read = dict(changed=False, certificate=certificate(days_left))
    if appliances is not None:
        read["appliances"] = appliances
    return read


def failed(msg, failure=None, **extra):
    result = dict(failed=True, changed=False, msg=msg)
    if failure:
        result["failure"] = failure
    result.update(extra)
    return result


class Site:
    """An inventory (groups and hostvars) with the playbook's registered results."""

    def __init__(self, traffic=(TN1, TN2, TN3), standalone=(), method="shared_ip"):
        self.groups = dict(sra_failover_pair=[SITE1, SITE2], sra_traffic_nodes=list(traffic),
                           sra_standalone=list(standalone))
        common = dict(sra_site_hostname="support.example.com", sra_network_method=method,
                      sra_shared_ips=["%s/24" % SHARED_IP] if method == "shared_ip" else [],
                      sra_client_id="id", sra_client_secret="secret")
        if method == "dns_swing":
            common["sra_dns"] = dict(server="192.0.2.53", zone="example.com", tsig_name="k", tsig_secret="s")
        if method == "nat_swing":
            common["sra_nat_site_address"] = "192.0.2.60"
        self.hostvars = {}
        for name in self.groups["sra_failover_pair"] + list(traffic) + list(standalone):
            host = dict(common, sra_address=ADDRESSES.get(name, "192.0.2.99"))
            if name in (SITE1, SITE2):
                host["sra_normal_role"] = "primary" if name == SITE1 else "backup"
            if name in REGIONS and name in traffic:
                host["sra_region"] = REGIONS[name]
            self.hostvars[name] = host
        self.set_pair(pair_result())
        self.hostvars[SITE1]["sra_health_read"] = pair_read(appliances=primary_list(traffic=traffic))
        self.hostvars[SITE2]["sra_health_read"] = pair_read()
        for name in list(traffic) + list(standalone):
            self.hostvars[name]["sra_health_read"] = traffic_read(
                name, cluster_role="traffic" if name in traffic else "single")

    def set_pair(self, result, check=None, dns=None):
        for name in (SITE1, SITE2):
            self.hostvars[name]["sra_health_pair"] = result
            self.hostvars[name]["sra_health_pair_check"] = check or dict(changed=False, ansible_facts={})
            if dns is not None:
                self.hostvars[name]["sra_health_dns"] = dns

    def set(self, host, **values):
        self.hostvars[host].update(values)
        return self
