"""Failover of one site instance: relationship, roles, role swaps, shared IPs, probing, conflicts.

Follows the vendor's "Failover Dynamics and Options" and the Failover page reference:
- the relationship is established on the intended primary, which contacts the backup; the backup
  connects back with the reverse connection details; keys and Product Version/Build must match;
- the primary enables its site instance's shared IPs, the backup disables them, on every role
  change; the shared IPs and backup settings belong to the site instance and are never synced;
- a swap with data sync first syncs, then switches serially: the primary becomes backup, both are
  backup for a moment (timers.swap_both_backup), then the other becomes primary; meanwhile the
  site instances answer 503 to everything but health reads;
- each appliance checks its peer every probe_interval; a backup with backup operations on pulls
  data syncs and, with automatic failover on, becomes primary once the primary has been silent
  for primary_timeout and a network connectivity test IP answers;
- both site instances in one role is the conflict of "Resolve Conflicts in a Failover Setup".
State that must survive kill -9 (role, relationship, peer, sync results) lives in SQLite; what
the appliance learns by probing lives in memory and is learnt again after a restart.
"""
import contextlib
import socket
import threading
import time
import traceback

from lab.appliance.datasync import DataSync, SyncFailed
from lab.appliance.peer import PeerError, PeerRefused, PeerUnreachable, caller_of
from lab.appliance.web import HttpError, now_iso

NONE, PRIMARY, BACKUP = "none", "primary", "backup"
OTHER_ROLE = {PRIMARY: BACKUP, BACKUP: PRIMARY}
NOT_CONFIGURED = "Failover is not configured: this site instance is in no failover relationship."
SYNC_FIRST_MESSAGE = "Successfully started data sync. Role change will occur upon successful completion."
CHANGED_MESSAGE = "Successfully changed role."
CONFLICT_MESSAGE = ("There is a conflict in the primary and secondary site instances. Both of them are"
                    " either primary or backup, which is an unexpected situation. \"Fix This Error\""
                    " command will resolve any configuration problems.")
PRIMARY_UNREACHABLE = "Unable to reach the primary site instance"
DEFAULT_BACKUP_SETTINGS = {
    "backup_operations": True,
    "primary_timeout": 300,
    "sync_interval": 3600,
    "bandwidth_limit": 0,
    "automatic_failover": False,
    "connectivity_test_ips": [],
}
NO_RELATIONSHIP = {"role": NONE, "relationship": None, "peer": None, "last_sync_time": None,
                   "last_sync_status": None, "next_sync_at": None, "initial_sync_pending": False}


class FailoverRefused(Exception):
    """A role change the appliance refuses; the message is what the client sees."""


def state_forbids(message):
    """409: the request is valid but the failover state forbids it now (with the reason)."""
    return HttpError(409, message)


class FailoverEngine:
    def __init__(self, appliance):
        self.appliance = appliance
        self.store = appliance.store
        self.sync = DataSync(self)
        self._lock = threading.RLock()
        self.peer_view = None        # the last status check of the peer
        self.swap = None             # a swap with data sync first under way
        self.conflict = None         # both_primary | both_backup
        self.last_contact = time.monotonic()
        self._silence_noted = False

    # --- persistent state ----------------------------------------------------------------
    def state(self):
        return self.appliance.config("failover")

    def _save(self, **changes):
        with self._lock:
            state = {**self.state(), **changes}
            self.store.put("config", "failover", state)
            return state

    def role(self):
        return self.state()["role"]

    def configured(self):
        return self.state()["relationship"] is not None

    def shared_ips(self):
        return self.appliance.config("shared_ips")

    def backup_settings(self):
        return self.appliance.config("backup_settings")

    def last_sync(self):
        """(unix time, status) of the last data sync, (None, None) when there was none."""
        state = self.state()
        return state["last_sync_time"], state["last_sync_status"]

    def problems(self):
        """What makes this site instance unhealthy (check_health success 0, v2 /health 500)."""
        found = [CONFLICT_MESSAGE] if self.conflict else []
        # Undocumented by the vendor: whether a backup that cannot reach its primary calls itself
        # unhealthy. The setting plays either reading; only the appliance's own status checks count.
        if self.primary_unreachable() and \
                self.appliance.settings()["backup_health_when_primary_down"] == "unhealthy":
            found.append(f"{PRIMARY_UNREACHABLE} {self.peer_label()}.")
        return found

    def primary_unreachable(self):
        """This backup's last status check of its primary found it unreachable."""
        view = self.peer_view
        return self.configured() and self.role() == BACKUP and view is not None and not view["reachable"]

    def busy(self):
        return self.swap is not None

    def note(self, message):
        self.store.add_history("failover", message)

    def timer(self, name):
        return float(self.appliance.settings()[name])

    def identity(self):
        appliance = self.appliance
        version, build = appliance.version()
        return {"appliance_id": appliance.appliance_id, "hostname": appliance.hostname,
                "version": version, "build": build, "model": appliance.node["model"],
                "failover_role": self.role(), "cluster_role": appliance.cluster.role()}

    def reset(self):
        """After a factory reset: no relationship, nothing learnt."""
        self.sync.cancel()
        self.peer_view, self.swap, self.conflict = None, None, None

    # --- talking to the peer ---------------------------------------------------------------
    def peer_label(self):
        peer = self.state()["peer"]
        return f"{peer['hostname']} ({peer['host']}:{peer['port']})" if peer else "the peer"

    def call_peer(self, method, path, payload=None):
        peer = self.state()["peer"]
        if peer is None:
            raise PeerRefused(0, "this site instance is in no failover relationship")
        return self.appliance.peers.call(peer["host"], peer["port"], method, path, payload)

    def require_peer(self, request):
        """Peer requests about the relationship must come from the peer of this relationship."""
        peer = self.state()["peer"]
        if peer is None or caller_of(request) != peer["appliance_id"]:
            raise state_forbids(f"{self.appliance.hostname} is not in a failover relationship with the caller.")

    # --- establish and break ---------------------------------------------------------------------
    def establish(self, relationship):
        """Establish Relationship, on the intended primary; 409 with the reason when refused."""
        if self.configured():
            raise state_forbids(f"This site instance is already in a failover relationship with"
                           f" {self.peer_label()}; break it first.")
        if self.appliance.config("inter_appliance_key") is None:
            raise state_forbids("This appliance has no inter-appliance key set (/login > Management > Security).")
        host, port = relationship["backup_host"], relationship["backup_port"]
        hello = self._hello_backup(host, port)
        self._check_backup(hello, host, port)
        try:
            self.appliance.peers.call(host, port, "POST", "/failover/join",
                                      {"relationship": relationship, "primary": self.identity()})
        except PeerError as error:
            raise state_forbids(f"The backup site instance at {host}:{port} refused the relationship:"
                                f" {error}") from None
        peer = {"host": host, "port": port, "hostname": hello["hostname"], "appliance_id": hello["appliance_id"]}
        self._enter(PRIMARY, relationship, peer)

    def _hello_backup(self, host, port):
        try:
            return self.appliance.peers.call(host, port, "GET", "/hello")
        except PeerUnreachable as error:
            raise state_forbids(f"Cannot connect to the backup site instance: {error}.") from None
        except PeerRefused as error:
            raise state_forbids(f"The backup site instance at {host}:{port} refused the connection:"
                           f" {error.message} The inter-appliance keys must be identical.") from None

    def _check_backup(self, hello, host, port):
        if hello["appliance_id"] == self.appliance.appliance_id:
            raise state_forbids(f"{host}:{port} is this appliance; name the backup appliance.")
        ours, theirs = self.appliance.version(), (hello["version"], hello["build"])
        if ours != theirs:
            raise state_forbids(f"The Product Version and Build differ: this appliance runs {ours[0]} ({ours[1]}),"
                           f" the backup at {host}:{port} runs {theirs[0]} ({theirs[1]}). Install the same"
                           " site software package on both.")
        if hello["failover_role"] != NONE:
            raise state_forbids(f"The backup site instance at {host}:{port} is already in a failover relationship.")
        if hello["cluster_role"] == "traffic":
            raise state_forbids(f"{host}:{port} is a traffic node of an Atlas cluster.")

    def peer_join(self, request):
        """The backup's side of Establish Relationship: it must reach the primary back."""
        body = request.json()
        if self.configured():
            raise state_forbids(f"{self.appliance.hostname} is already in a failover relationship.")
        relationship, primary = body["relationship"], body["primary"]
        host, port = relationship["reverse_host"], relationship["reverse_port"]
        try:
            hello = self.appliance.peers.call(host, port, "GET", "/hello")
        except PeerError as error:
            raise state_forbids(f"the backup cannot connect back to the primary with the reverse connection"
                           f" details: {error}") from None
        if hello["appliance_id"] != primary["appliance_id"]:
            raise state_forbids(f"the reverse connection details {host}:{port} lead to {hello['hostname']},"
                           " not to the primary site instance")
        peer = {"host": host, "port": port, "hostname": hello["hostname"], "appliance_id": hello["appliance_id"]}
        self._enter(BACKUP, relationship, peer)
        return self.identity()

    def _enter(self, role, relationship, peer):
        delay = self.timer("initial_sync_delay")
        self._save(**{**NO_RELATIONSHIP, "role": role, "relationship": relationship, "peer": peer,
                      "initial_sync_pending": True, "next_sync_at": time.time() + delay})
        self.peer_view = {"reachable": True, "role": OTHER_ROLE[role], "checked_at": time.time(), "swap": None,
                          "sync_state": "scheduled"}
        self.conflict = None
        self.last_contact = time.monotonic()
        self.note(f"Failover relationship established with {self.peer_label()}; this site instance is"
                  f" {role}. The initial data sync starts in {delay:g} s.")
        self._enforce_shared_ips(role)

    def break_relationship(self):
        if not self.configured():
            raise state_forbids(NOT_CONFIGURED)
        label = self.peer_label()
        try:
            self.call_peer("POST", "/failover/leave")
            outcome = "the peer site instance left it too"
        except PeerError as error:
            outcome = f"the peer site instance could not be told ({error}); break the relationship there as well"
        self._leave(f"Failover relationship with {label} broken here; {outcome}. Data already synced stays.")

    def peer_leave(self, request):
        self.require_peer(request)
        self._leave(f"The peer site instance {self.peer_label()} broke the failover relationship."
                    " Data already synced stays.")
        return {"role": NONE}

    def _leave(self, message):
        self.sync.cancel()
        self._save(**NO_RELATIONSHIP)
        self.peer_view, self.swap, self.conflict = None, None, None
        self.appliance.health_cache.clear()
        self.note(message)

    # --- shared IPs ---------------------------------------------------------------------------------
    def put_shared_ips(self, ips):
        changed = self.shared_ips()["ips"] != ips
        if changed:
            self.store.put("config", "shared_ips", {"ips": ips})
        # "Once this is set, the primary site in the failover relationship will enable the IP."
        if self.role() == PRIMARY:
            self._enforce_shared_ips(PRIMARY)
        return changed

    def _enforce_shared_ips(self, role):
        """The primary enables the selected shared IPs, the backup disables them."""
        selected = set(self.shared_ips()["ips"])
        if not selected or role not in OTHER_ROLE:
            return
        interfaces = self.appliance.config("interfaces")
        wanted = role == PRIMARY
        changed = False
        for ip in (ip for nic in interfaces for ip in nic["ips"] if ip["address"] in selected):
            changed |= ip["enabled"] != wanted
            ip["enabled"] = wanted
        if changed:
            self.store.put("config", "interfaces", interfaces)
        # An address another device holds is an IP conflict: the listener layer records it.
        self.appliance.apply_network()

    # --- roles ------------------------------------------------------------------------------------------
    def take_role(self, role, message):
        """This site instance takes `role` now: persisted, shared IPs follow, history notes it."""
        with self._lock:
            changes = {"role": role}
            if role == BACKUP:
                changes["next_sync_at"] = time.time() + self.backup_settings()["sync_interval"]
                self.last_contact = time.monotonic()
            self._save(**changes)
            self.conflict = None
            self._silence_noted = False
        self._enforce_shared_ips(role)
        self.appliance.health_cache.clear()
        self.note(message)

    def set_role(self, role, data_sync_first, force):
        """set_failover_role and v2 /failover-role: the success text, or FailoverRefused."""
        state = self.state()
        if state["relationship"] is None:
            raise FailoverRefused(NOT_CONFIGURED)
        if self.busy():
            raise FailoverRefused("A role swap is already under way.")
        if role == state["role"]:
            raise FailoverRefused(f"This site instance is already {role}.")
        if data_sync_first:
            return self._swap_with_sync_first(role, force)
        if role == PRIMARY:
            self._become_primary_now()
        else:
            self._become_backup_now(force)
        return CHANGED_MESSAGE

    def _become_primary_now(self):
        # The peer steps down first, so that the shared IPs are free when this one enables them.
        try:
            self.call_peer("POST", "/failover/role", {"role": BACKUP})
            outcome = "the peer site instance is now backup"
        except PeerError as error:
            outcome = f"the peer site instance could not be told to become backup ({error})"
        self.take_role(PRIMARY, f"Became primary; {outcome}.")

    def _become_backup_now(self, force):
        try:
            self.call_peer("GET", "/failover/status")
        except PeerError as error:
            if not force:
                raise FailoverRefused(self._unreachable_refusal(error)) from None
            self.take_role(BACKUP, f"Became backup although the peer site instance could not be contacted"
                                   f" (force): {error}.")
            return
        self.take_role(BACKUP, "Became backup; the peer site instance is told to become primary.")
        try:
            self.call_peer("POST", "/failover/role", {"role": PRIMARY})
        except PeerError as error:
            self.note(f"The peer site instance could not be told to become primary: {error}.")

    def _unreachable_refusal(self, error):
        return (f"The peer site instance {self.peer_label()} cannot be contacted ({error}). The role change"
                " was canceled so that one site instance stays primary; use force to become backup anyway.")

    def peer_take_role(self, request):
        """The peer tells this site instance to take the other role of a role change."""
        self.require_peer(request)
        role = request.json()["role"]
        if role != self.role():
            self.take_role(role, f"Became {role} as the peer site instance {self.peer_label()} asked.")
        return {"role": self.role()}

    # --- swaps with data sync first ---------------------------------------------------------------------
    def _swap_with_sync_first(self, role, force):
        if role == PRIMARY:
            try:
                self.call_peer("GET", "/failover/status")
            except PeerError as error:
                raise FailoverRefused(f"Cannot pull a data sync from the peer site instance {self.peer_label()}"
                                      f" ({error}); become primary without data_sync_first instead.") from None
            self._start_swap()
            return SYNC_FIRST_MESSAGE
        # The backup pulls the sync, so it runs the swap; this primary only asks for it.
        self._mark_swap(BACKUP, "syncing", runner=False)
        try:
            self.call_peer("POST", "/failover/swap", {"action": "run"})
        except PeerUnreachable as error:
            self.swap = None
            if not force:
                raise FailoverRefused(self._unreachable_refusal(error)) from None
            self.take_role(BACKUP, f"Became backup without a data sync: the peer site instance could not be"
                                   f" contacted (force): {error}.")
            return CHANGED_MESSAGE
        except PeerRefused as error:
            self.swap = None
            raise FailoverRefused(f"The peer site instance refused the role swap: {error.message}") from None
        return SYNC_FIRST_MESSAGE

    def _mark_swap(self, target_role, phase, runner):
        started = self.swap["started_at"] if self.swap else time.time()
        self.swap = {"target_role": target_role, "phase": phase, "started_at": started, "runner": runner}

    def _start_swap(self):
        self._mark_swap(PRIMARY, "syncing", runner=True)
        self.note("Role swap with data sync first started: clients are disconnected until it completes.")
        threading.Thread(target=self._run_swap, name="role-swap", daemon=True).start()

    def peer_swap(self, request):
        """The peer's side of a swap: run it (on the backup), or mark or clear its phase."""
        self.require_peer(request)
        body = request.json()
        action = body["action"]
        if action == "run":
            if self.role() != BACKUP or self.busy():
                raise state_forbids(f"{self.appliance.hostname} is not a backup ready for a role swap.")
            self._start_swap()
        elif action == "mark":
            self._mark_swap(body["target_role"], body["phase"], runner=False)
        else:
            self.swap = None
        return {"swap": self.public_swap()}

    def _run_swap(self):
        """On the site instance becoming primary: sync, the primary steps down, pause, step up."""
        try:
            self._tell_peer_swap("mark", BACKUP, "syncing")
            succeeded, status = self.sync.run("role swap")
            if not succeeded:
                raise SyncFailed(f"the data sync failed: {status}")
            self._mark_swap(PRIMARY, "switching", runner=True)
            self._tell_peer_swap("mark", BACKUP, "switching")
            self.call_peer("POST", "/failover/role", {"role": BACKUP})
            time.sleep(self.timer("swap_both_backup"))    # serial: both are backup for this moment
            self.take_role(PRIMARY, "Became primary: role swap with data sync first completed.")
        except (PeerError, SyncFailed) as error:
            self.note(f"The role swap was canceled: {error}. The roles are unchanged.")
        except Exception:
            traceback.print_exc()
        finally:
            self.swap = None
            with contextlib.suppress(PeerError):
                self._tell_peer_swap("clear")

    def _tell_peer_swap(self, action, target_role=None, phase=None):
        self.call_peer("POST", "/failover/swap", {"action": action, "target_role": target_role, "phase": phase})

    def public_swap(self):
        swap = self.swap
        if swap is None:
            return None
        return {"target_role": swap["target_role"], "phase": swap["phase"], "started_at": now_iso(swap["started_at"])}

    # --- data sync entry points ------------------------------------------------------------------------------
    def sync_now(self):
        """Sync Now: the backup pulls; on the primary, the backup is asked to pull."""
        role = self.role()
        if role == NONE:
            raise state_forbids(NOT_CONFIGURED)
        if role == BACKUP:
            if not self.sync.start("sync now"):
                raise state_forbids("A data sync is already running.")
            return
        if self.sync.serving():
            raise state_forbids("A data sync is already running.")
        try:
            self.call_peer("POST", "/failover/sync-request")
        except PeerError as error:
            raise state_forbids(f"The backup site instance {self.peer_label()} cannot start a data sync:"
                                f" {error}") from None
        self.sync.mark_serving()

    def peer_sync_request(self, request):
        self.require_peer(request)
        if self.role() != BACKUP:
            raise state_forbids(f"{self.appliance.hostname} is not the backup site instance.")
        if not self.sync.start("sync now"):
            raise state_forbids("A data sync is already running.")
        return {"sync_state": "running"}

    def record_sync(self, finished, status, reason):
        interval = self.backup_settings()["sync_interval"]
        self._save(last_sync_time=finished, last_sync_status=status, initial_sync_pending=False,
                   next_sync_at=finished + interval)
        self.appliance.health_cache.clear()
        self.note(f"Data sync ({reason}) with {self.peer_label()}: {status.rstrip('.')}.")

    # --- status ------------------------------------------------------------------------------------------------
    def peer_status(self, request):
        state = self.state()
        peer = state["peer"] or {}
        return {"appliance_id": self.appliance.appliance_id, "hostname": self.appliance.hostname,
                "role": state["role"], "peer_id": peer.get("appliance_id"), "swap": self.public_swap(),
                "sync_state": self.sync.state_name()}

    def status(self):
        """The Failover page's Status section (FailoverStatus of the management API)."""
        state = self.state()
        appliance = self.appliance
        view = self.peer_view or {}
        checked = now_iso(view["checked_at"]) if view.get("checked_at") else None
        return {
            "role": state["role"],
            "relationship": state["relationship"],
            "this_host": {"hostname": appliance.hostname, "address": appliance.own_address(),
                          "port": appliance.port, "role": state["role"], "reachable": True,
                          "last_status_check": checked},
            "peer_host": self._peer_host(state, view, checked),
            "conflict": self.conflict,
            "conflict_message": CONFLICT_MESSAGE if self.conflict else None,
            "data_sync": self.sync.describe(state),
            "swap": self.public_swap(),
            "history": history(self.store, "failover"),
        }

    @staticmethod
    def _peer_host(state, view, checked):
        peer = state["peer"]
        if peer is None:
            return None
        reachable = bool(view.get("reachable"))
        return {"hostname": peer["hostname"], "address": peer["host"], "port": peer["port"],
                "role": view["role"] if reachable else "unknown", "reachable": reachable,
                "last_status_check": checked}

    # --- the monitor: status checks, conflicts, syncs, automatic failover --------------------------------
    def monitor(self, stop):
        while not stop.wait(self.timer("probe_interval")):
            try:
                self.tick()
            except Exception:
                traceback.print_exc()

    def tick(self):
        state = self.state()
        if state["relationship"] is None:
            return
        view = self._check_peer()
        self._update_conflict(state["role"], view)
        self._release_abandoned_swap(view)
        self.sync.reconcile_serving(view)
        if state["role"] == BACKUP:
            self._backup_duties(state, view)

    def _check_peer(self):
        before = self.peer_view or {}
        try:
            answer = self.call_peer("GET", "/failover/status")
            view = {"reachable": True, "role": answer["role"], "swap": answer["swap"],
                    "sync_state": answer["sync_state"], "ours": answer["peer_id"] == self.appliance.appliance_id}
            self.last_contact = time.monotonic()
        except PeerError as error:
            view = {"reachable": False, "role": "unknown", "error": str(error)}
        view["checked_at"] = time.time()
        self.peer_view = view
        if before.get("reachable", True) != view["reachable"]:
            self.appliance.health_cache.clear()
            self.note(f"The peer site instance {self.peer_label()} is reachable again." if view["reachable"]
                      else f"The peer site instance {self.peer_label()} is unreachable: {view['error']}.")
        return view

    def _update_conflict(self, role, view):
        """Both site instances in one role; unknown (not reported) while the peer cannot be seen."""
        found = None
        if view["reachable"] and view.get("ours") and not (self.swap or view.get("swap")) and role == view["role"]:
            found = {PRIMARY: "both_primary", BACKUP: "both_backup"}.get(role)
        if found != self.conflict and (found or view["reachable"]):
            self.note(CONFLICT_MESSAGE if found else "The failover role conflict is resolved.")
        if found != self.conflict:
            self.appliance.health_cache.clear()
        self.conflict = found

    def _release_abandoned_swap(self, view):
        """The passive side of a swap lets go when the site instance running it has finished or gone."""
        swap = self.swap
        runner_active = view["reachable"] and view.get("swap")
        if swap and not swap["runner"] and not runner_active and \
                time.time() - swap["started_at"] > 2 * self.timer("probe_interval"):
            self.swap = None

    def _backup_duties(self, state, view):
        settings = self.backup_settings()
        operating = settings["backup_operations"]
        primary_answers = view["reachable"] and view["role"] == PRIMARY
        due = time.time() >= (state["next_sync_at"] or 0) and not self.busy()
        if (operating or state["initial_sync_pending"]) and primary_answers and due:
            self.sync.start("initial" if state["initial_sync_pending"] else "scheduled")
        if view["reachable"]:
            self._silence_noted = False
            return
        if operating and settings["automatic_failover"]:
            silent = time.monotonic() - self.last_contact
            if silent >= settings["primary_timeout"]:
                self._automatic_failover(settings, silent)

    def _automatic_failover(self, settings, silent):
        answering = self._connectivity_test(settings["connectivity_test_ips"])
        if answering is None:
            if not self._silence_noted:
                tried = ", ".join(settings["connectivity_test_ips"]) or "none are configured"
                self.note(f"The primary site instance {self.peer_label()} has been unreachable for"
                          f" {silent:.0f} s, but no network connectivity test IP answers ({tried}): this"
                          " appliance may have lost its own network connection, so it does not fail over.")
                self._silence_noted = True
            return
        self.take_role(PRIMARY, f"Automatic failover: the primary site instance {self.peer_label()} was"
                                f" unreachable for {silent:.0f} s and the network connectivity test IP"
                                f" {answering} answers; this site instance is now primary.")

    def _connectivity_test(self, addresses):
        """The first connectivity test IP that accepts a TCP connection from this appliance."""
        for address in addresses:
            if self.appliance.faults.cut(address):
                continue
            try:
                with socket.create_connection((address, self.appliance.port), timeout=self.timer("peer_timeout"),
                                              source_address=(self.appliance.own_address(), 0)):
                    return address
            except OSError:
                continue
        return None


def history(store, source):
    return [{"time": now_iso(row["time"]), "message": row["message"]}
            for row in store.history(source)]
