# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of networks: addresses, prefixes, subnets, host names, ports, and an appliance's
whole IP configuration (gateway, static routes, DNS servers).

Built on the standard library's ``ipaddress``: it parses as strictly as the collection needs
(no short forms, no leading zeros, no scope ids once refused below) and costs a module run
almost nothing to import, where netaddr cost 0.085 CPU-s (issue 18). Every check raises
ModuleFailure with a message that says what is wrong and how to fix it, so modules validate
their whole input before their first write.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure

MAX_DNS_SERVERS = 4
_HOST_LABEL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


class SubnetMissing(ModuleFailure):
    """A gateway outside every configured subnet: bad input, or (in check mode) an IP an earlier
    task of the same run would configure."""


# -- addresses and prefixes -------------------------------------------------------------------

def ip_or_none(text):
    """The address object of an IPv4 or IPv6 address written alone, or None."""
    if not isinstance(text, str) or "/" in text or "%" in text:
        return None
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def parse_address(text, field):
    """An IPv4 or IPv6 address as its canonical text ('2001:DB8::1' -> '2001:db8::1')."""
    if not isinstance(text, str) or not text.strip() or "/" in text:
        raise ModuleFailure("%s: %r is not an IP address; write it as 192.0.2.10 or 2001:db8::10, "
                            "without a prefix" % (field, text))
    address = ip_or_none(text)
    if address is None:
        raise ModuleFailure("%s: %r is not an IP address; write it as 192.0.2.10 or 2001:db8::10"
                            % (field, text))
    return str(address)


def parse_ipv4(text, field):
    """An IPv4 address as its canonical text (an A record holds nothing else)."""
    address = ip_or_none(text)
    if address is None or address.version != 4:
        raise ModuleFailure("%s %r is not an IPv4 address: give the address the record points at, e.g. 192.0.2.10"
                            % (field, text))
    return str(address)


def max_prefix(address):
    return 32 if ":" not in address else 128


def parse_prefix(address, prefix, field):
    """The prefix length of ``address`` as an int in range for its family."""
    limit = max_prefix(address)
    try:
        value = int(str(prefix).strip().lstrip("/"))
    except (TypeError, ValueError):
        raise ModuleFailure("%s: prefix %r of %s is not a number; give a prefix length from 0 to %d"
                            % (field, prefix, address, limit))
    if not 0 <= value <= limit:
        raise ModuleFailure("%s: prefix %s of %s is out of range; an IPv%d prefix is 0 to %d (e.g. 24 for "
                            "255.255.255.0)" % (field, prefix, address, 4 if limit == 32 else 6, limit))
    return value


def subnet_of(address, prefix):
    """The network of ``address/prefix`` ('192.0.2.10', 24 -> 192.0.2.0/24)."""
    return ipaddress.ip_interface("%s/%s" % (address, prefix)).network


def parse_ip_prefix(address, prefix, field):
    """(address, prefix) from 'a.b.c.d/nn' or from an address and a separate prefix.

    A host address is required: the subnet's own network or broadcast address cannot be an
    interface address.
    """
    if isinstance(address, str) and "/" in address:
        text, dummy, written_prefix = address.partition("/")
        if prefix is not None and str(prefix) != written_prefix.strip():
            raise ModuleFailure("%s: %s carries prefix /%s but prefix is %s; give the prefix once"
                                % (field, address, written_prefix, prefix))
        address, prefix = text, written_prefix
    address = parse_address(address, field)
    if prefix is None:
        raise ModuleFailure("%s: %s has no prefix; write it as %s/24 or give prefix" % (field, address, address))
    prefix = parse_prefix(address, prefix, field)
    network = subnet_of(address, prefix)
    host = ipaddress.ip_address(address)
    if host.version == 4 and prefix < 31 and host in (network.network_address, network.broadcast_address):
        raise ModuleFailure("%s: %s/%d is the %s address of subnet %s, not a host address; choose an address "
                            "inside the subnet" % (field, address, prefix,
                                                   "network" if host == network.network_address else "broadcast",
                                                   network))
    return address, prefix


def parse_network(text, field):
    """A network in CIDR notation whose host bits are zero ('10.20.0.0/16')."""
    if not isinstance(text, str) or "/" not in text:
        raise ModuleFailure("%s: %r is not a network; write it in CIDR notation, e.g. 10.20.0.0/16" % (field, text))
    address, dummy, prefix = text.partition("/")
    address = parse_address(address, field)
    network = subnet_of(address, parse_prefix(address, prefix, field))
    if ipaddress.ip_address(address) != network.network_address:
        raise ModuleFailure("%s: %s has host bits set; the network is %s" % (field, text, network))
    return str(network)


def overlaps(one, other):
    """Whether two networks share an address (never across IPv4 and IPv6)."""
    return one.version == other.version and one.overlaps(other)


def contains(network, address):
    """Whether ``address`` (text) lies in ``network`` (never across IPv4 and IPv6)."""
    target = ipaddress.ip_address(address)
    return target.version == network.version and target in network


# -- host names and ports ---------------------------------------------------------------------

def parse_hostname(text, field):
    """A DNS host name (RFC 1123 labels), without the root's trailing dot."""
    if not isinstance(text, str) or not text.strip():
        raise ModuleFailure("%s is empty; give a DNS host name such as tn1.eu.example.com" % field)
    if text != text.strip():
        raise ModuleFailure("%s: %r has leading or trailing spaces; remove them" % (field, text))
    bare = text[:-1] if text.endswith(".") else text
    if len(bare) > 253:
        raise ModuleFailure("%s: %r is longer than 253 characters, the limit for a DNS name" % (field, text))
    for label in bare.split("."):
        if not 1 <= len(label) <= 63 or not set(label) <= _HOST_LABEL_CHARACTERS or "-" in (label[0], label[-1]):
            raise ModuleFailure("%s: %r is not a valid host name; label %r must be 1 to 63 letters, digits or "
                                "hyphens, not starting or ending with a hyphen" % (field, text, label))
    return bare


def parse_host(text, field):
    """An IP address or a DNS host name, as the vendor's address fields take either."""
    if isinstance(text, str) and text.strip() and (":" in text or set(text.strip()) <= set("0123456789.")):
        return parse_address(text, field)
    return parse_hostname(text, field)


def parse_port(port, field):
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ModuleFailure("%s: %r is not a TCP port; use 1 to 65535 (443 for HTTPS)" % (field, port))
    return port


# -- an appliance's IP configuration ------------------------------------------------------------
# ``interfaces`` is {nic: [{'address', 'prefix', 'enabled'}]}, addresses in canonical text.

def check_unique_addresses(interfaces):
    """An address lives once per appliance."""
    seen = {}
    for nic in sorted(interfaces):
        for ip in interfaces[nic]:
            if ip["address"] in seen:
                where = "twice on %s" % nic if seen[ip["address"]] == nic else "on %s and on %s" % (seen[ip["address"]], nic)
                raise ModuleFailure("IP address %s appears %s; an address can be configured only once per "
                                    "appliance: remove one of them" % (ip["address"], where))
            seen[ip["address"]] = nic


def check_one_nic_per_subnet(interfaces):
    """Two NICs on one subnet make the appliance's routing ambiguous; the vendor's IP
    Configuration page refuses it."""
    subnets = [(nic, ip["address"], subnet_of(ip["address"], ip["prefix"]))
               for nic in sorted(interfaces) for ip in interfaces[nic]]
    for index, (nic, address, subnet) in enumerate(subnets):
        for other_nic, other_address, other_subnet in subnets[index + 1:]:
            if other_nic != nic and overlaps(subnet, other_subnet):
                raise ModuleFailure(
                    "%s on %s and %s on %s are on the same subnet (%s, %s); two NICs cannot share a subnet: move "
                    "both addresses to one NIC or use different subnets" % (
                        address, nic, other_address, other_nic, subnet, other_subnet))


def check_interfaces(interfaces):
    """Every check of a whole appliance's IP configuration."""
    check_unique_addresses(interfaces)
    check_one_nic_per_subnet(interfaces)


def nic_for_address(address, interfaces, nic=None, enabled_only=True):
    """The NIC with a subnet holding ``address`` (only ``nic`` when given), or None."""
    for name in sorted(interfaces):
        if nic is not None and name != nic:
            continue
        for ip in interfaces[name]:
            if (ip.get("enabled", True) or not enabled_only) and contains(subnet_of(ip["address"], ip["prefix"]),
                                                                          address):
                return name
    return None


def describe_subnets(interfaces, nic=None, enabled_only=True):
    subnets = ["%s on %s" % (subnet_of(ip["address"], ip["prefix"]), name)
               for name in sorted(interfaces) if nic is None or name == nic
               for ip in interfaces[name] if ip.get("enabled", True) or not enabled_only]
    return ", ".join(subnets) or "none"


def check_gateway(address, interfaces, nic=None, field="gateway"):
    """The gateway's NIC: the gateway must lie in a subnet of an enabled IP (of ``nic`` when given)."""
    address = parse_address(address, field)
    if nic is not None and nic not in interfaces:
        raise ModuleFailure("%s: NIC %s does not exist; the appliance has %s" % (field, nic, ", ".join(sorted(interfaces))))
    found = nic_for_address(address, interfaces, nic)
    if found is None:
        where = " of %s" % nic if nic else ""
        raise SubnetMissing("%s: %s is outside every subnet of an enabled IP%s (%s); a gateway must be reachable "
                            "directly: use an address inside one of them, or configure and enable an IP on its subnet "
                            "first (network_ips)" % (field, address, where, describe_subnets(interfaces, nic)))
    return address, found


def check_static_routes(routes, interfaces):
    """Normalised routes [{'destination', 'gateway', 'interface'}], each reachable and unique."""
    result = []
    seen = set()
    for index, route in enumerate(routes):
        field = "static_routes[%d]" % index
        destination = parse_network(route.get("destination"), field + ".destination")
        if destination in seen:
            raise ModuleFailure("%s: destination %s appears more than once; keep one route per destination"
                                % (field, destination))
        seen.add(destination)
        nic = route.get("interface")
        if nic is not None and nic not in interfaces:
            raise ModuleFailure("%s.interface: NIC %s does not exist; the appliance has %s"
                                % (field, nic, ", ".join(sorted(interfaces))))
        gateway = parse_address(route.get("gateway"), field + ".gateway")
        found = nic_for_address(gateway, interfaces, nic, enabled_only=False)
        if found is None:
            raise SubnetMissing("%s.gateway: %s is outside every subnet%s (%s); use a gateway inside one of them"
                                % (field, gateway, " of %s" % nic if nic else "",
                                   describe_subnets(interfaces, nic, enabled_only=False)))
        result.append(dict(destination=destination, gateway=gateway, interface=found))
    return result


def check_dns_servers(servers):
    result = []
    for index, server in enumerate(servers):
        address = parse_address(server, "dns_servers[%d]" % index)
        if address in result:
            raise ModuleFailure("dns_servers: %s appears more than once; list each server once" % address)
        result.append(address)
    if len(result) > MAX_DNS_SERVERS:
        raise ModuleFailure("dns_servers: %d servers given; the appliance takes at most %d"
                            % (len(result), MAX_DNS_SERVERS))
    return result
