"""The routes of the lab-private appliance-to-appliance protocol (see peer.py)."""
from lab.appliance.peer import PREFIX
from lab.appliance.web import Response


def register(router, appliance):
    failover, cluster = appliance.failover, appliance.cluster
    routes = [
        (["GET"], "/hello", lambda request: failover.identity()),
        (["GET"], "/failover/status", failover.peer_status),
        (["POST"], "/failover/join", failover.peer_join),
        (["POST"], "/failover/leave", failover.peer_leave),
        (["POST"], "/failover/role", failover.peer_take_role),
        (["POST"], "/failover/swap", failover.peer_swap),
        (["POST"], "/failover/sync-request", failover.peer_sync_request),
        (["GET"], "/failover/snapshot", failover.sync.peer_snapshot),
        (["POST"], "/failover/sync-result", failover.sync.peer_result),
        (["POST"], "/cluster/push", cluster.peer_push),
        (["POST"], "/cluster/leave", cluster.peer_leave),
    ]
    for methods, path, handler in routes:
        router.add(methods, PREFIX + path, _json(handler), "peer", busy_ok=True)


def _json(handler):
    """Peer handlers return plain objects; every peer answer is JSON."""
    def route(request):
        return Response.json(handler(request), changed=request.method != "GET")
    return route
