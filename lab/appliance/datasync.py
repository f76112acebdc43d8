"""Data sync: the backup pulls the primary's site data, in time proportional to its size.

"Failover synchronization syncs all user accounts, all /login configuration settings, files in
the file store, logs, and recordings. All of this information which exists on the backup ... will
be overwritten by that which resides on the primary" — except the failover settings (shared IPs,
backup settings), which belong to each site instance. Recordings and logs are session data: the
backup keeps its own as well ("all such data on either appliance will be extant on both").
A sync lasts sync_overhead + bytes / throughput, where throughput is the lab's link speed
(limits.sync_throughput, or a slow-sync fault) capped by the backup's bandwidth limit ("the backup
site's setting will be the one used").
"""
import contextlib
import threading
import time

from lab.appliance.peer import PeerError
from lab.appliance.web import HttpError, now_iso

MIRRORED_KINDS = ("users", "settings", "files")
SESSION_KINDS = ("recordings", "logs")
SYNCED_CONFIG = ("backup_password", "cluster")     # /login settings the lab keeps in its config table
BYTES_PER_MBIT = 125_000


class SyncFailed(Exception):
    pass


class DataSync:
    def __init__(self, engine):
        self.engine = engine
        self.appliance = engine.appliance
        self._claim = threading.Lock()      # one pull at a time
        self._cancel = threading.Event()
        self.pulling_since = None           # on the backup
        self.serving_since = None           # on the primary, from the backup's pull to its result
        self._successes = 0                 # successful syncs so far: which status word comes next

    # --- state ---------------------------------------------------------------------------
    def state_name(self):
        if self.pulling_since or self.serving_since:
            return "running"
        return "scheduled" if self.engine.state()["initial_sync_pending"] else "idle"

    def serving(self):
        return self.serving_since is not None

    def mark_serving(self):
        self.serving_since = self.serving_since or time.time()

    def describe(self, state):
        started = self.pulling_since or self.serving_since
        return {"state": self.state_name() if state["relationship"] else "idle",
                "started_at": now_iso(started) if started else None,
                "last_data_sync_time": now_iso(state["last_sync_time"]) if state["last_sync_time"] else None,
                "last_data_sync_status": state["last_sync_status"]}

    def reconcile_serving(self, view):
        """The primary stops showing a sync as running when the backup no longer runs one."""
        grace = 2 * self.engine.timer("probe_interval")
        backup_running = view["reachable"] and view.get("sync_state") == "running"
        if self.serving_since and time.time() - self.serving_since > grace and not backup_running:
            self.serving_since = None

    def cancel(self):
        self._cancel.set()
        self.serving_since = None

    # --- the backup's pull ------------------------------------------------------------------
    def start(self, reason):
        """Starts a pull in the background; False when one is already running."""
        if not self._claim.acquire(blocking=False):
            return False
        self.pulling_since = time.time()
        threading.Thread(target=self._pull_and_release, args=(reason,), name="data-sync", daemon=True).start()
        return True

    def run(self, reason):
        """A pull now, after any running one: (succeeded, status)."""
        self._claim.acquire()
        self.pulling_since = time.time()
        return self._pull_and_release(reason)

    def _pull_and_release(self, reason):
        try:
            return self._pull(reason)
        finally:
            self.pulling_since = None
            self._claim.release()

    def _pull(self, reason):
        self._cancel.clear()
        try:
            failure = self.appliance.faults.take_failing_sync()
            if failure:
                raise SyncFailed(failure)
            snapshot = self.engine.call_peer("GET", "/failover/snapshot")
            if self._cancel.wait(self._duration(snapshot["bytes"])):
                raise SyncFailed("canceled: the failover relationship changed")
            self._confirm_transfer()
            self._apply(snapshot)
            succeeded, status = True, self._success_word()
        except SyncFailed as error:
            succeeded, status = False, self._failure(str(error))
        except PeerError as error:
            succeeded, status = False, self._failure(f"could not pull from the primary site instance: {error}")
        if self._cancel.is_set():
            return False, status
        finished = time.time()
        self.engine.record_sync(finished, status, reason)
        with contextlib.suppress(PeerError):
            self.engine.call_peer("POST", "/failover/sync-result",
                                  {"time": finished, "status": status, "reason": reason})
        return succeeded, status

    # The vendor does not document the wording of last_data_sync_status: the appliance that pulls
    # words it from its settings (both sides record the same text).
    def _success_word(self):
        words = self.appliance.settings()["sync_status_words"]
        word = words[self._successes % len(words)]
        self._successes += 1
        return word

    def _failure(self, reason):
        return self.appliance.settings()["sync_failure_format"].format(reason=reason)

    def _confirm_transfer(self):
        """The data flows for the sync's whole length: a primary that is gone or cut off before the
        end fails the sync (the lab copies at the start and waits, so it asks once more at the end)."""
        try:
            self.engine.call_peer("GET", "/failover/status")
        except PeerError as error:
            raise SyncFailed(f"the connection to the primary site instance was lost during the data sync:"
                             f" {error}") from None

    def _duration(self, size):
        limits = self.appliance.settings()
        throughput = self.appliance.faults.current()["sync_throughput"] or float(limits["sync_throughput"])
        limit_mbit = self.engine.backup_settings()["bandwidth_limit"]
        if limit_mbit:
            throughput = min(throughput, limit_mbit * BYTES_PER_MBIT)
        return float(limits["sync_overhead"]) + size / throughput

    def _apply(self, snapshot):
        store = self.appliance.store
        placeholders = ", ".join("?" for _ in MIRRORED_KINDS)
        with store.transaction() as db:
            db.execute(f"DELETE FROM site_data WHERE kind IN ({placeholders})", MIRRORED_KINDS)
            db.executemany("INSERT OR REPLACE INTO site_data (kind, name, size, value, created)"
                           " VALUES (:kind, :name, :size, :value, :created)", snapshot["site_data"])
            for key, value in snapshot["config"].items():
                store.put("config", key, value, db=db)
        self.appliance.health_cache.clear()

    # --- the primary's side -----------------------------------------------------------------
    def peer_snapshot(self, request):
        """The site data a backup pulls; a failing-sync fault here fails the backup's pull."""
        self.engine.require_peer(request)
        if self.engine.role() != "primary":
            raise HttpError(409, f"{self.appliance.hostname} is not the primary site instance.")
        failure = self.appliance.faults.take_failing_sync()
        if failure:
            raise HttpError(500, failure)
        self.mark_serving()
        rows = self.appliance.store.query("SELECT kind, name, size, value, created FROM site_data")
        return {"site_data": rows, "config": {key: self.appliance.config(key) for key in SYNCED_CONFIG},
                "bytes": sum(row["size"] for row in rows)}

    def peer_result(self, request):
        self.engine.require_peer(request)
        body = request.json()
        self.serving_since = None
        self.engine.record_sync(body["time"], body["status"], body["reason"])
        return {"recorded": True}
