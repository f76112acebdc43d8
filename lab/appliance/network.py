"""Networking > IP Configuration, gateway, DNS, static routes, and the listeners they open."""
import errno
import ipaddress
import threading

from lab.appliance.web import HttpError, TLSServer, invalid, serve_in_thread

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
IP_FIELDS = {"address", "prefix", "enabled"}


def refuse_unknown(body, known):
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise HttpError(400, f"Unknown field(s): {', '.join(unknown)}.")


def _address(value, field_name):
    try:
        return ipaddress.ip_address(value)
    except (ValueError, TypeError):
        raise invalid(field_name, f"{value!r} is not an IP address") from None


def validate_ip_list(nic, ips, other_nics):
    """The NIC's new IP list in canonical form; 400/422 as the contract says."""
    if not isinstance(ips, list):
        raise invalid("ips", "must be a list")
    result, seen = [], set()
    for index, item in enumerate(ips):
        where = f"ips[{index}]"
        if not isinstance(item, dict):
            raise invalid(where, "must be an object with address, prefix and enabled")
        refuse_unknown(item, IP_FIELDS)
        address = _address(item.get("address"), f"{where}.address")
        prefix, enabled = item.get("prefix"), item.get("enabled")
        if isinstance(prefix, bool) or not isinstance(prefix, int) or not 0 <= prefix <= address.max_prefixlen:
            raise invalid(f"{where}.prefix", f"must be an integer from 0 to {address.max_prefixlen}")
        if not isinstance(enabled, bool):
            raise invalid(f"{where}.enabled", "must be true or false")
        if address in seen:
            raise invalid(f"{where}.address", f"{address} appears twice")
        seen.add(address)
        result.append({"address": str(address), "prefix": prefix, "enabled": enabled})
    _refuse_clashes_with_other_nics(nic, result, other_nics)
    return result


def _refuse_clashes_with_other_nics(nic, ips, other_nics):
    for other in other_nics:
        for theirs in other["ips"]:
            their_net = _network(theirs)
            for index, mine in enumerate(ips):
                if mine["address"] == theirs["address"]:
                    raise invalid(f"ips[{index}].address",
                                  f"{mine['address']} is already configured on {other['name']}")
                if _network(mine).overlaps(their_net):
                    raise invalid(f"ips[{index}].address",
                                  f"{nic} would share subnet {their_net} with {other['name']}")


def _network(ip):
    return ipaddress.ip_network(f"{ip['address']}/{ip['prefix']}", strict=False)


def validate_gateway(body, interfaces):
    refuse_unknown(body, {"address", "interface"})
    for name in ("address", "interface"):
        if name not in body:
            raise invalid(name, "is required (address null clears the gateway)")
    if body["address"] is None:
        return {"address": None, "interface": None}
    address = _address(body["address"], "address")
    nic = _find_nic(interfaces, body["interface"], "interface")
    if not any(address in _network(ip) for ip in nic["ips"] if ip["enabled"]):
        raise invalid("address", f"{address} lies in no subnet of an enabled IP of {nic['name']}")
    return {"address": str(address), "interface": nic["name"]}


def _find_nic(interfaces, name, field_name):
    for nic in interfaces:
        if nic["name"] == name:
            return nic
    raise invalid(field_name, f"no interface named {name!r}")


def validate_dns(body):
    refuse_unknown(body, {"servers"})
    servers = body.get("servers")
    if not isinstance(servers, list):
        raise invalid("servers", "must be a list of IP addresses")
    if len(servers) > 4:
        raise invalid("servers", "at most 4 DNS servers")
    canonical = [str(_address(server, "servers")) for server in servers]
    if len(set(canonical)) != len(canonical):
        raise invalid("servers", "a server appears twice")
    return {"servers": canonical}


def validate_routes(body, interfaces):
    refuse_unknown(body, {"routes"})
    routes = body.get("routes")
    if not isinstance(routes, list):
        raise invalid("routes", "must be a list")
    result, destinations = [], set()
    for index, route in enumerate(routes):
        where = f"routes[{index}]"
        if not isinstance(route, dict):
            raise invalid(where, "must be an object with destination, gateway and interface")
        refuse_unknown(route, {"destination", "gateway", "interface"})
        try:
            destination = ipaddress.ip_network(route.get("destination"), strict=True)
        except (ValueError, TypeError):
            raise invalid(f"{where}.destination", "must be a network address in CIDR notation") from None
        if destination in destinations:
            raise invalid(f"{where}.destination", f"{destination} is repeated")
        destinations.add(destination)
        gateway = _address(route.get("gateway"), f"{where}.gateway")
        nic = _find_nic(interfaces, route.get("interface"), f"{where}.interface")
        if not any(gateway in _network(ip) for ip in nic["ips"]):
            raise invalid(f"{where}.gateway", f"{gateway} lies in no subnet of {nic['name']}")
        result.append({"destination": str(destination), "gateway": str(gateway), "interface": nic["name"]})
    return {"routes": result}


def servable_addresses(interfaces):
    """Enabled IPv4 loopback addresses: the ones the lab can really listen on."""
    return [ip["address"] for nic in interfaces for ip in nic["ips"]
            if ip["enabled"] and ipaddress.ip_address(ip["address"]) in LOOPBACK]


class Listeners:
    """One TLS listener per enabled address; a bind refused with EADDRINUSE is a conflict."""

    def __init__(self, port, app, selector, on_conflict):
        self.port = port
        self.app = app
        self.selector = selector
        self.on_conflict = on_conflict      # called with (address, resolved: bool)
        self.servers = {}
        self.conflicts = set()
        self._lock = threading.Lock()

    def reconcile(self, addresses):
        """Bind what is wanted and not bound, close what is bound and not wanted."""
        wanted = set(addresses)
        with self._lock:
            for address in sorted(set(self.servers) - wanted):
                self._close(address)
            self.conflicts &= wanted
            for address in sorted(wanted - set(self.servers)):
                self._open(address)
            return sorted(self.conflicts)

    def _open(self, address):
        try:
            server = TLSServer(address, self.port, self.app, self.selector.listener_context(address))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            if address not in self.conflicts:
                self.conflicts.add(address)
                self.on_conflict(address, False)
            return
        if address in self.conflicts:
            self.conflicts.discard(address)
            self.on_conflict(address, True)
        self.servers[address] = server
        serve_in_thread(server, f"listener-{address}")

    def _close(self, address):
        server = self.servers.pop(address)
        server.shutdown()
        server.server_close()

    def close_all(self):
        with self._lock:
            for address in list(self.servers):
                self._close(address)

    def bound(self):
        with self._lock:
            return sorted(self.servers)
