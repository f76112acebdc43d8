"""The appliance's persistent state: one SQLite database per appliance.

Every write commits before the caller answers its client, so the state survives `kill -9`.
One connection guarded by a lock: the request rate of a lab is far below what that serves.
"""
import json
import sqlite3
import threading
import time
from contextlib import contextmanager

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    fingerprint TEXT PRIMARY KEY, pem TEXT NOT NULL, key_pem TEXT,
    factory INTEGER NOT NULL DEFAULT 0, added REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cert_assignments (address TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, issued REAL NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS site_data (
    kind TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, value TEXT,
    created REAL NOT NULL, PRIMARY KEY (kind, name));
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, source TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, appliance TEXT NOT NULL,
    method TEXT NOT NULL, path TEXT NOT NULL, action TEXT, status INTEGER NOT NULL,
    changed INTEGER NOT NULL, via TEXT);
"""
# Tables a factory reset empties (meta, settings, the factory certificate and requests stay).
RESET_TABLES = ("config", "cert_assignments", "site_data", "history")


class Store:
    def __init__(self, path):
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        # WAL with synchronous=NORMAL: a committed transaction survives a killed process.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self):
        """A state dir written before the request log had `via` gets the column (null: an API request)."""
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(requests)").fetchall()}
        if "via" not in columns:
            self._db.execute("ALTER TABLE requests ADD COLUMN via TEXT")

    @contextmanager
    def transaction(self):
        """Everything inside commits together, before the block returns."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql, params=()):
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def query_one(self, sql, params=()):
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # Key-value tables (meta, config, settings) hold JSON values.
    def get(self, table, key, default=None):
        row = self.query_one(f"SELECT value FROM {table} WHERE key = ?", (key,))
        return default if row is None else json.loads(row["value"])

    def items(self, table):
        return {row["key"]: json.loads(row["value"]) for row in self.query(f"SELECT * FROM {table}")}

    def put(self, table, key, value, db=None):
        sql = f"INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)"
        if db is not None:
            db.execute(sql, (key, json.dumps(value)))
            return
        with self.transaction() as tx:
            tx.execute(sql, (key, json.dumps(value)))

    def add_history(self, source, message, db=None):
        sql = "INSERT INTO history (time, source, message) VALUES (?, ?, ?)"
        if db is not None:
            db.execute(sql, (time.time(), source, message))
            return
        with self.transaction() as tx:
            tx.execute(sql, (time.time(), source, message))

    def history(self, source, limit=100):
        return self.query(
            "SELECT time, message FROM history WHERE source = ? ORDER BY id DESC LIMIT ?",
            (source, limit))

    def log_request(self, entry):
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO requests (time, appliance, method, path, action, status, changed, via)"
                " VALUES (:time, :appliance, :method, :path, :action, :status, :changed, :via)", entry)

    def requests(self, writes_only=False, since=0):
        sql = "SELECT * FROM requests WHERE id > ?" + (" AND changed = 1" if writes_only else "")
        rows = self.query(sql + " ORDER BY id", (since,))
        for row in rows:
            row["changed"] = bool(row["changed"])
            row["api"] = api_of(row["path"])
        return rows

    def clear_for_reset(self, db):
        for table in RESET_TABLES:
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM certificates WHERE factory = 0")


MANAGEMENT_PREFIXES = ("/appliance/api/v1", "/login/api/v1")


def api_of(path):
    """`management` for our management API's paths, `vendor` for everything else a client asks."""
    return "management" if any(path == p or path.startswith(p + "/") for p in MANAGEMENT_PREFIXES) else "vendor"


def summarize(rows):
    """Counts a test or a person needs from a request log: API requests and writes (management and
    vendor apart), tokens minted, answers by status; what the control interface did by hand apart."""
    api_rows = [row for row in rows if row["via"] is None]
    by_hand = [row for row in rows if row["via"] is not None]

    def counts(selected):
        return {"requests": len(selected), "writes": sum(1 for row in selected if row["changed"])}

    statuses = {}
    for row in api_rows:
        statuses[str(row["status"])] = statuses.get(str(row["status"]), 0) + 1
    return {
        **counts(api_rows),
        "tokens_minted": sum(1 for row in api_rows
                             if row["path"] == "/oauth2/token" and row["method"] == "POST" and row["status"] == 200),
        "management": counts([row for row in api_rows if row["api"] == "management"]),
        "vendor": counts([row for row in api_rows if row["api"] == "vendor"]),
        "by_status": dict(sorted(statuses.items())),
        "by_hand": counts(by_hand),
        "last_id": rows[-1]["id"] if rows else None,
    }
