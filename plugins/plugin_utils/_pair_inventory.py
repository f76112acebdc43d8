# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover pair of the inventory as the pair modules take it (the filter sra.appliance.pair_args).

Pure: no controller import, so unit tests reach every branch (importing the controller's modules in
the test process would change how in-process module runs report warnings)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

METHODS = ("shared_ip", "dns_swing", "nat_swing")
DNS_KEYS = ("server", "zone", "tsig_name", "tsig_secret")


class InventoryError(ValueError):
    """The inventory does not describe one failover pair; the text says what to fix."""


def _fail(text):
    raise InventoryError("The inventory of the failover pair: %s" % text)


def _members(hosts, hostvars):
    if len(hosts) != 2:
        _fail("the maintenance flows run on the two appliances of sra_failover_pair, found %d (%s); run the playbook on "
              "the whole group (no --limit)" % (len(hosts), ", ".join(hosts) or "none"))
    roles = dict((host, hostvars[host].get("sra_normal_role")) for host in hosts)
    by_role = dict((role, host) for host, role in roles.items())
    if sorted(roles.values(), key=str) != ["backup", "primary"]:
        _fail("one appliance needs sra_normal_role: primary and the other sra_normal_role: backup, found %s"
              % ", ".join("%s: %s" % item for item in sorted(roles.items())))
    for host in hosts:
        if not hostvars[host].get("sra_address"):
            _fail("%s has no sra_address (the appliance's own address)" % host)
    return by_role["primary"], by_role["backup"]


def _site_addresses(first, method):
    if method == "shared_ip":
        return [str(ip).split("/", maxsplit=1)[0] for ip in first.get("sra_shared_ips") or []]
    if method == "nat_swing" and first.get("sra_nat_site_address"):
        return [first["sra_nat_site_address"]]
    return []


def _check_zone(site_hostname, zone):
    """The site host name must be inside sra_dns.zone: the swing updates that zone's record of it."""
    if not site_hostname:
        return
    site, origin = str(site_hostname).rstrip(".").lower(), str(zone).rstrip(".").lower()
    if site != origin and not site.endswith("." + origin):
        _fail("sra_site_hostname %s is not inside sra_dns.zone %s: a DNS swing there would not move the site's "
              "record; set sra_dns.zone to the zone that holds %s" % (site_hostname, zone, site_hostname))


def _check_method(first, method):
    if method not in METHODS:
        _fail("sra_network_method is %r; use one of %s" % (method, ", ".join(METHODS)))
    if method == "dns_swing":
        dns = first.get("sra_dns")
        missing = [key for key in DNS_KEYS if not isinstance(dns, dict) or not dns.get(key)]
        if missing:
            _fail("dns_swing needs sra_dns with %s (missing: %s)" % (", ".join(DNS_KEYS), ", ".join(missing)))
        _check_zone(first.get("sra_site_hostname"), dns["zone"])
    if method == "nat_swing" and not first.get("sra_nat_swing_tasks"):
        _fail("nat_swing needs sra_nat_swing_tasks, the tasks file that points your NAT device at the new primary")


def pair_args(hosts, hostvars):
    """The pair modules' arguments from the pair's hosts and ``hostvars``; InventoryError with what to fix."""
    hosts = list(hosts or [])
    np, nb = _members(hosts, hostvars)
    first, second = hostvars[np], hostvars[nb]
    method = first.get("sra_network_method", "shared_ip")
    _check_method(first, method)
    return dict(
        host=first["sra_address"], port=int(first.get("sra_port", 443)), name=np,
        peer_host=second["sra_address"], peer_port=int(second.get("sra_port", 443)), peer_name=nb,
        swing_address=first.get("sra_swing_address") or first["sra_address"],
        peer_swing_address=second.get("sra_swing_address") or second["sra_address"],
        site_addresses=_site_addresses(first, method))
