"""OAuth client credentials, bearer tokens and the per-account rate limits."""
import base64
import binascii
import collections
import hmac
import secrets
import string
import threading
import time

from lab.appliance.settings import retry_after
from lab.appliance.web import HttpError, Response

ACCESS_DENIED = {"error": "access_denied",
                 "message": "The resource owner or authorization server denied the request."}
TOKEN_ALPHABET = string.ascii_letters + string.digits
RATE_LIMITED_MESSAGE = "Too many requests: the API account's rate limit is exceeded."


def denied():
    return HttpError(401, ACCESS_DENIED["message"], payload=ACCESS_DENIED)


def basic_credentials(headers):
    """(user, password) from an HTTP Basic Authorization header, or None."""
    scheme, _, value = (headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class TokenService:
    """Mints and checks tokens of the API account; at most `tokens_per_account` live ones."""

    def __init__(self, store, account, settings):
        self.store = store
        self.account = account
        self.settings = settings

    def issue(self, request):
        credentials = basic_credentials(request.headers)
        if credentials is None or not self._valid_client(*credentials):
            raise denied()
        if request.form().get("grant_type") != "client_credentials":
            raise HttpError(400, "grant_type must be client_credentials",
                            payload={"error": "unsupported_grant_type",
                                     "message": "grant_type must be client_credentials."})
        lifetime = int(self.settings()["token_lifetime"])
        token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(40))
        self._store_token(token, lifetime)
        return Response.json({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})

    def _valid_client(self, client_id, client_secret):
        return (hmac.compare_digest(client_id, self.account["client_id"])
                and hmac.compare_digest(client_secret, self.account["client_secret"]))

    def _store_token(self, token, lifetime):
        now = time.time()
        cap = int(self.settings()["tokens_per_account"])
        client_id = self.account["client_id"]
        with self.store.transaction() as db:
            db.execute("DELETE FROM tokens WHERE expires <= ?", (now,))
            db.execute("INSERT INTO tokens (token, client_id, issued, expires) VALUES (?, ?, ?, ?)",
                       (token, client_id, now, now + lifetime))
            # Minting past the cap invalidates the oldest tokens of the account.
            db.execute("DELETE FROM tokens WHERE client_id = ? AND token NOT IN (SELECT token FROM"
                       " tokens WHERE client_id = ? ORDER BY issued DESC, rowid DESC LIMIT ?)",
                       (client_id, client_id, cap))

    def authenticate(self, headers):
        """The API account of a valid bearer token; 401 otherwise."""
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise denied()
        row = self.store.query_one("SELECT client_id, expires FROM tokens WHERE token = ?",
                                   (token.strip(),))
        if row is None or row["expires"] <= time.time():
            raise denied()
        return self.account


def _count_since(hits, moment):
    count = 0
    for hit in reversed(hits):
        if hit <= moment:
            break
        count += 1
    return count


class RateLimiter:
    """Sliding one-second and one-hour windows per API account."""

    def __init__(self, settings):
        self.settings = settings
        self._hits = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def check(self, client_id):
        """Counts one request; returns the rate-limit headers, or raises 429 with them."""
        limits = self.settings()
        per_second, per_hour = int(limits["requests_per_second"]), int(limits["requests_per_hour"])
        now = time.monotonic()
        with self._lock:
            hits = self._hits[client_id]
            while hits and hits[0] <= now - 3600:
                hits.popleft()
            refused = len(hits) >= per_hour or _count_since(hits, now - 1) >= per_second
            if not refused:
                hits.append(now)
            headers = {"X-RateLimit-Limit": str(per_hour),
                       "X-RateLimit-Remaining": str(max(per_hour - len(hits), 0))}
        if refused:
            raise HttpError(429, RATE_LIMITED_MESSAGE,
                            headers={**headers, **retry_after(limits, "rate_limit_retry_after")})
        return headers

    def reset(self):
        with self._lock:
            self._hits.clear()
