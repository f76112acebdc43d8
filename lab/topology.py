"""Topology files: one YAML description drives the lab and the lab inventory."""
import ipaddress
from pathlib import Path

import yaml

from lab.appliance import settings as lab_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMERS = {
    "token_lifetime": 3600,      # OAuth token lifetime (the vendor: one hour)
    "health_cache": 60,          # v2 /health may answer from a cache this old
    "listener_retry": 1.0,       # how often an enabled IP that could not be bound is retried
    "initial_sync_delay": 60,    # establish -> first data sync (the vendor: "about 60 seconds")
    "probe_interval": 10,        # how often each appliance of a pair checks its peer
    "peer_timeout": 5,           # connect and read timeout of one appliance-to-appliance request
    "swap_both_backup": 2,       # the moment of a swap with data sync first where both are backup
    "sync_overhead": 1,          # fixed cost of a data sync on top of size / throughput
}
DEFAULT_LIMITS = {
    "requests_per_second": 20,   # per API account, as the vendor documents
    "requests_per_hour": 15000,
    "tokens_per_account": 30,
    "sync_throughput": 100_000_000,   # bytes/s of the lab's link when the bandwidth limit is 0
}
ROLES = ("pair", "traffic", "single")
# The normal backup's backup settings that `deploy-pair` applies (the rest follow the normal roles).
PAIR_SETTINGS_DEFAULTS = {"automatic_failover": False, "primary_timeout": 300, "sync_interval": 3600,
                          "bandwidth_limit": 0, "connectivity_test_ips": []}


class TopologyError(ValueError):
    pass


def load(path, block=None):
    """Read a topology file; `block` (CIDR) overrides the file's address block."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return resolve(raw, block)


def resolve(raw, block=None):
    """Validate a topology and compute every address from the block and the offsets."""
    network = ipaddress.ip_network(block or raw["block"], strict=False)
    if not network.subnet_of(ipaddress.ip_network("127.0.0.0/8")):
        raise TopologyError(f"address block {network} must lie inside 127.0.0.0/8")
    topology = dict(raw)
    topology["block"] = str(network)
    topology["prefix"] = network.prefixlen
    gateway = raw.get("gateway")
    if gateway is not None and not (isinstance(gateway, dict) and set(gateway) == {"offset"}):
        raise TopologyError("gateway must be {offset: N}: the gateway device's offset in the block")
    # The block's gateway address (what the inventory configures); with `gateway:`, `up` also
    # starts a device there that answers TCP on the appliance port (lab/gateway.py).
    topology["gateway"] = str(_offset(network, gateway["offset"]) if gateway else network.network_address + 1)
    if gateway:
        topology["gateway_device"] = {"address": topology["gateway"]}
    topology["timers"] = {**DEFAULT_TIMERS, **raw.get("timers", {})}
    topology["limits"] = {**DEFAULT_LIMITS, **raw.get("limits", {})}
    topology["leniency"] = _settings_block(raw, "leniency", lab_settings.LENIENCY_DEFAULTS)
    topology["behaviour"] = _settings_block(raw, "behaviour", lab_settings.BEHAVIOUR_DEFAULTS)
    for key in ("xml_api_enabled", "management_api"):
        topology[key] = raw.get(key, True)
        _check_setting(key, {key: topology[key]}, {key})
    topology["shared_ips"] = [
        {"address": str(_offset(network, item["offset"])), "prefix": item.get("prefix", network.prefixlen)}
        for item in raw.get("shared_ips", [])
    ]
    topology["appliances"] = {
        name: _resolve_appliance(name, spec, network, topology["management_api"])
        for name, spec in raw["appliances"].items()
    }
    if raw.get("nat"):
        topology["nat"] = _resolve_nat(raw["nat"], network, topology["appliances"])
    topology["pair_settings"] = _resolve_pair_settings(raw.get("pair_settings") or {}, network)
    return topology


def _resolve_pair_settings(spec, network):
    """The normal backup's settings; connectivity test IPs as addresses or {offset: N} in the block."""
    unknown = sorted(set(spec) - set(PAIR_SETTINGS_DEFAULTS))
    if unknown:
        raise TopologyError(f"pair_settings: unknown key(s) {', '.join(unknown)}"
                            f" (known: {', '.join(PAIR_SETTINGS_DEFAULTS)})")
    settings = {**PAIR_SETTINGS_DEFAULTS, **spec}
    addresses = []
    for item in settings["connectivity_test_ips"]:
        if isinstance(item, dict) and set(item) == {"offset"}:
            addresses.append(str(_offset(network, item["offset"])))
            continue
        try:
            addresses.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise TopologyError(f"pair_settings.connectivity_test_ips: {item!r} is neither an IP address"
                                " nor {offset: N}") from None
    return {**settings, "connectivity_test_ips": addresses}


def _resolve_nat(spec, network, appliances):
    """The NAT device: a forwarder for a site address, aimed at one appliance."""
    target = spec.get("target")
    if target not in appliances:
        raise TopologyError(f"nat.target must name an appliance ({', '.join(appliances)})")
    return {"address": str(_offset(network, spec["offset"])), "target": target}


def _offset(network, offset):
    if not 0 < offset < network.num_addresses - 1:
        raise TopologyError(f"offset {offset} lies outside {network}")
    return network.network_address + offset


def _settings_block(raw, key, known):
    """A topology block of lab settings (see lab/appliance/settings.py), checked as the control
    interface checks them."""
    block = raw.get(key) or {}
    if not isinstance(block, dict):
        raise TopologyError(f"{key} must be a mapping of setting to value")
    _check_setting(key, block, known)
    return dict(block)


def _check_setting(where, block, known):
    try:
        lab_settings.validate(block, allowed=known)
    except lab_settings.SettingError as error:
        raise TopologyError(f"{where}: {error}") from None


def _resolve_appliance(name, spec, network, management_api):
    if spec.get("role", "single") not in ROLES:
        raise TopologyError(f"{name}: role must be one of {', '.join(ROLES)}")
    # The vendor-only switch: per appliance, else the lab's.
    node = {"role": "single", "timezone_offset": 0, "network_prefixes": [], "management_api": management_api,
            **spec}
    _check_setting(name, {"management_api": node["management_api"]}, {"management_api"})
    node["name"] = name
    node["address"] = str(_offset(network, spec["offset"]))
    node["prefix"] = network.prefixlen
    return node


def default_state_dir(name):
    return REPO_ROOT / ".lab" / name
