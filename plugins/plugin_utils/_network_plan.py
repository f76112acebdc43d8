# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the network role writes on one appliance, from that host's inventory variables.

The role used to build this in Jinja (a loop in ``vars/main.yml``); here every branch has a unit
test, and a role task compiles one short filter call instead of the loop (issue 18: templating is
most of a re-run's controller CPU).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _nic_ip(ip):
    """An IP of sra_interfaces.NIC.ips (a CIDR string or a mapping) as network_ips takes it. Enabled
    unless the inventory says otherwise: the vendor's unique IP "should remain enabled at all times",
    so an IP disabled by hand is drift that site repairs."""
    if isinstance(ip, str):
        return {"address": ip, "enabled": True}
    item = {"enabled": True}
    item.update(ip)
    return item


def shared_ips_of(shared_ips, in_pair, network_method):
    """The shared IPs this host carries: only members of the pair, and only with the shared IP method."""
    if in_pair and (network_method or "shared_ip") == "shared_ip":
        return list(shared_ips or [])
    return []


def network_ips_config(interfaces, shared_ip_interface, shared_ips, normal_role):
    """network_ips' ``config``: each NIC's own IPs and, on ``shared_ip_interface``, the shared IPs. A
    shared IP gets its enabled flag only when it is added (``initially_enabled``: on for the normal
    primary, off for the normal backup); after that the appliance's failover owns it. NICs without an
    IP are left out, in the inventory's order, the shared IP's NIC last when the inventory does not
    name it."""
    interfaces = interfaces or {}
    names = list(interfaces)
    if shared_ip_interface not in names:
        names.append(shared_ip_interface)
    config = []
    for name in names:
        ips = [_nic_ip(ip) for ip in (interfaces.get(name) or {}).get("ips") or []]
        if name == shared_ip_interface:
            initially_enabled = (normal_role or "primary") == "primary"
            ips.extend({"address": ip, "initially_enabled": initially_enabled} for ip in shared_ips)
        if ips:
            config.append({"name": name, "ips": ips})
    return config


def gateway_nic(interfaces):
    """The NIC of sra_interfaces that names a default gateway (the first one), else None. The
    inventory check refuses a gateway outside its NIC's subnets before anything is written."""
    for name, settings in (interfaces or {}).items():
        if (settings or {}).get("gateway") is not None:
            return name
    return None


def network_plan(interfaces, shared_ip_interface, shared_ips=(), in_pair=False, network_method="shared_ip",
                 normal_role="primary"):
    """``{"ips": network_ips' config, "gateway_interface": NIC or None, "gateway": its gateway or None}``."""
    nic = gateway_nic(interfaces)
    return {
        "ips": network_ips_config(interfaces, shared_ip_interface, shared_ips_of(shared_ips, in_pair, network_method),
                                  normal_role),
        "gateway_interface": nic,
        "gateway": None if nic is None else interfaces[nic]["gateway"],
    }
