# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _net as net
from ansible_collections.sra.appliance.plugins.module_utils._errors import ModuleFailure


def fails(match, function, *args, **kwargs):
    with pytest.raises(ModuleFailure, match=match):
        function(*args, **kwargs)


# -- addresses ---------------------------------------------------------------------------------

def test_address_is_canonical():
    assert net.parse_address("2001:DB8:0::1", "f") == "2001:db8::1"
    assert net.parse_address(" 192.0.2.1 ", "f") == "192.0.2.1"


@pytest.mark.parametrize("text", ["192.0.2.256", "192.0.2", "abc", "", "192.0.2.1/24", "01.2.3.4"])
def test_malformed_address(text):
    fails("is not an IP address", net.parse_address, text, "config[0].ips[0]")


def test_ip_with_prefix_in_address():
    assert net.parse_ip_prefix("192.0.2.10/24", None, "f") == ("192.0.2.10", 24)
    assert net.parse_ip_prefix("192.0.2.10", 24, "f") == ("192.0.2.10", 24)
    assert net.parse_ip_prefix("2001:db8::10/64", None, "f") == ("2001:db8::10", 64)


def test_prefix_33_is_out_of_range():
    fails(r"prefix 33 of 192.0.2.10 is out of range; an IPv4 prefix is 0 to 32", net.parse_ip_prefix,
          "192.0.2.10/33", None, "config[0].ips[0]")


def test_ipv6_prefix_129_is_out_of_range():
    fails("IPv6 prefix is 0 to 128", net.parse_ip_prefix, "2001:db8::1", 129, "f")


def test_missing_and_conflicting_prefix():
    fails("has no prefix; write it as 192.0.2.10/24", net.parse_ip_prefix, "192.0.2.10", None, "f")
    fails("carries prefix /24 but prefix is 16", net.parse_ip_prefix, "192.0.2.10/24", 16, "f")
    fails("is not a number", net.parse_ip_prefix, "192.0.2.10/x", None, "f")


def test_network_and_broadcast_addresses_are_not_host_addresses():
    fails("is the network address of subnet 192.0.2.0/24", net.parse_ip_prefix, "192.0.2.0/24", None, "f")
    fails("is the broadcast address", net.parse_ip_prefix, "192.0.2.255/24", None, "f")
    assert net.parse_ip_prefix("192.0.2.0/31", None, "f") == ("192.0.2.0", 31)


def test_network_needs_zero_host_bits():
    assert net.parse_network("10.20.0.0/16", "f") == "10.20.0.0/16"
    fails("has host bits set; the network is 10.20.0.0/16", net.parse_network, "10.20.0.1/16", "f")
    fails("is not a network; write it in CIDR notation", net.parse_network, "10.20.0.0", "f")


def ip(address, prefix=24, enabled=True):
    return dict(address=address, prefix=prefix, enabled=enabled)


def test_duplicate_address_on_two_nics():
    fails("IP address 192.0.2.10 appears on eth0 and on eth1", net.check_interfaces,
          {"eth0": [ip("192.0.2.10")], "eth1": [ip("192.0.2.10", 25)]})


def test_duplicate_address_on_one_nic():
    fails("appears twice on eth0", net.check_interfaces, {"eth0": [ip("192.0.2.10"), ip("192.0.2.10")]})


def test_two_nics_on_one_subnet():
    fails(r"192.0.2.10 on eth0 and 192.0.2.20 on eth1 are on the same subnet.*two NICs cannot share a subnet",
          net.check_interfaces, {"eth0": [ip("192.0.2.10")], "eth1": [ip("192.0.2.20")]})


def test_overlapping_subnets_on_two_nics():
    fails("same subnet", net.check_interfaces, {"eth0": [ip("10.0.0.1", 8)], "eth1": [ip("10.1.0.1", 16)]})


def test_valid_interfaces_pass():
    net.check_interfaces({"eth0": [ip("192.0.2.10"), ip("192.0.2.11")], "eth1": [ip("198.51.100.1")]})


def test_gateway_inside_enabled_subnet():
    interfaces = {"eth0": [ip("192.0.2.10")], "eth1": [ip("198.51.100.1", 24, False)]}
    assert net.check_gateway("192.0.2.1", interfaces) == ("192.0.2.1", "eth0")


def test_gateway_outside_every_subnet():
    interfaces = {"eth0": [ip("192.0.2.10")], "eth1": [ip("198.51.100.1", 24, False)]}
    fails(r"gateway: 203.0.113.1 is outside every subnet of an enabled IP \(192.0.2.0/24 on eth0\)",
          net.check_gateway, "203.0.113.1", interfaces)
    fails("outside every subnet", net.check_gateway, "198.51.100.254", interfaces)
    fails("of eth1", net.check_gateway, "192.0.2.1", interfaces, "eth1")
    fails("NIC eth9 does not exist", net.check_gateway, "192.0.2.1", interfaces, "eth9")


def test_static_routes():
    interfaces = {"eth0": [ip("192.0.2.10")], "eth1": [ip("10.0.0.5")]}
    routes = net.check_static_routes([dict(destination="10.20.0.0/16", gateway="10.0.0.1")], interfaces)
    assert routes == [dict(destination="10.20.0.0/16", gateway="10.0.0.1", interface="eth1")]
    fails("appears more than once", net.check_static_routes,
          [dict(destination="10.20.0.0/16", gateway="10.0.0.1")] * 2, interfaces)
    fails(r"static_routes\[0\].gateway: 10.0.0.1 is outside every subnet of eth0", net.check_static_routes,
          [dict(destination="10.20.0.0/16", gateway="10.0.0.1", interface="eth0")], interfaces)
    fails("has host bits set", net.check_static_routes,
          [dict(destination="10.20.0.1/16", gateway="10.0.0.1")], interfaces)


def test_dns_servers():
    assert net.check_dns_servers(["192.0.2.53", "2001:DB8::53"]) == ["192.0.2.53", "2001:db8::53"]
    fails("appears more than once", net.check_dns_servers, ["192.0.2.53", "192.0.2.53"])
    fails("at most 4", net.check_dns_servers, ["192.0.2.%d" % n for n in range(1, 6)])
    fails(r"dns_servers\[1\]: 'dns.example.com' is not an IP address", net.check_dns_servers,
          ["192.0.2.53", "dns.example.com"])


@pytest.mark.parametrize("text", ["fe80::1%eth0", "192.0.2.1%1", None, 17])
def test_scoped_and_non_text_addresses_are_refused(text):
    fails("is not an IP address", net.parse_address, text, "f")


def test_ipv4_only_for_a_records():
    assert net.parse_ipv4(" 192.0.2.10 ", "value") == "192.0.2.10"
    for text in ("2001:db8::1", "192.0.2.300", "192.0.2.010", "", None):
        fails("is not an IPv4 address", net.parse_ipv4, text, "value")


def test_ipv6_subnets_never_overlap_ipv4_ones():
    net.check_interfaces({"eth0": [ip("192.0.2.10")], "eth1": [ip("2001:db8::10", 64)]})
    assert net.nic_for_address("2001:db8::1", {"eth0": [ip("192.0.2.10")], "eth1": [ip("2001:db8::10", 64)]}) == "eth1"
    assert net.nic_for_address("192.0.2.1", {"eth1": [ip("2001:db8::10", 64)]}) is None


@pytest.mark.parametrize("text, expected", [("tn1.eu.example.com", "tn1.eu.example.com"),
                                            ("tn1.eu.example.com.", "tn1.eu.example.com")])
def test_hostnames(text, expected):
    assert net.parse_hostname(text, "f") == expected


@pytest.mark.parametrize("text, message", [("", "is empty"), (" a.example.com", "leading or trailing spaces"),
                                           ("-a.example.com", "is not a valid host name"),
                                           ("a" * 64 + ".com", "is not a valid host name"),
                                           ("a." * 127 + "com", "longer than 253 characters")])
def test_bad_hostnames(text, message):
    fails(message, net.parse_hostname, text, "f")


def test_host_is_an_address_or_a_name_and_ports_are_tcp_ports():
    assert net.parse_host("2001:DB8::1", "f") == "2001:db8::1"
    assert net.parse_host("site1.example.com", "f") == "site1.example.com"
    fails("is not an IP address", net.parse_host, "192.0.2.300", "f")
    assert net.parse_port(443, "f") == 443
    for port in (0, 65536, True, "443"):
        fails("is not a TCP port", net.parse_port, port, "f")
