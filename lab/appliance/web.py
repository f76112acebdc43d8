"""A small HTTP layer on http.server: requests, responses, routing, TLS listeners."""
import contextlib
import datetime
import json
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SOCKET_TIMEOUT = 30


class HttpError(Exception):
    """An error answer; `payload` becomes the JSON body."""

    def __init__(self, status, message, errors=None, headers=None, payload=None):
        super().__init__(message)
        self.status = status
        self.payload = payload if payload is not None else _error_body(message, errors)
        self.headers = headers or {}


def _error_body(message, errors):
    body = {"message": message}
    if errors:
        body["errors"] = errors
    return body


def invalid(field_name, message):
    """A 422 naming one invalid field."""
    return HttpError(422, f"{field_name}: {message}", {field_name: [message]})


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    changed: bool = False
    action: str = None          # the /api/command action, for the request log
    drop: bool = False          # close the connection without answering (a cut network)

    @classmethod
    def json(cls, payload, status=200, changed=False):
        return cls(status, json.dumps(payload).encode(), "application/json", changed=changed)

    @classmethod
    def empty(cls, status=204, changed=False):
        return cls(status, b"", None, changed=changed)

    @classmethod
    def dropped(cls):
        return cls(0, drop=True)


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: object
    body: bytes
    local_address: str
    client_address: str
    params: dict = field(default_factory=dict)    # path parameters of the route
    account: dict = None                           # the API account of a bearer token

    def json(self, required=True):
        """The body as a JSON object; 400 when it is missing or malformed."""
        if not self.body.strip():
            if required:
                raise HttpError(400, "A JSON request body is required.")
            return {}
        try:
            data = json.loads(self.body)
        except ValueError as error:
            raise HttpError(400, f"Malformed JSON: {error}") from None
        if not isinstance(data, dict):
            raise HttpError(400, "The request body must be a JSON object.")
        return data

    def form(self):
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


@dataclass
class Route:
    methods: tuple
    pattern: re.Pattern
    handler: object
    auth: str          # "none", "bearer" (API account), "basic" (/appliance admin) or "peer"
    busy_ok: bool      # answers during a role swap with data sync first (health reads)


class Router:
    def __init__(self):
        self.routes = []

    def add(self, methods, path, handler, auth, busy_ok=False):
        """`path` may hold {name} placeholders for one path segment each."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
        self.routes.append(Route(tuple(methods), re.compile(f"^{regex}$"), handler, auth, busy_ok))

    def match(self, method, path):
        """(route, params) for the method and path; raises 404 or 405."""
        allowed = []
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if method in route.methods or (method == "HEAD" and "GET" in route.methods):
                return route, found.groupdict()
            allowed.extend(route.methods)
        if not allowed:
            raise HttpError(404, f"No resource at {path}.")
        if "GET" in allowed:
            allowed.append("HEAD")
        allow = ", ".join(sorted(set(allowed)))
        if method == "OPTIONS":
            raise HttpError(204, "", headers={"Allow": allow}, payload={})
        raise HttpError(405, f"Method {method} is not allowed on {path}.", headers={"Allow": allow})


class Handler(BaseHTTPRequestHandler):
    """Turns one HTTP exchange into a Request for the server's `app` and writes its Response."""

    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "Apache"

    def do_any(self):
        request = self._read_request()
        if request is None:
            return
        response = self.server.app.handle(request)
        if response.drop:
            self.close_connection = True
            return
        self._write(response)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_any

    def _read_request(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._write(Response.json({"message": "Chunked request bodies are not supported."}, 411))
            return None
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        return Request(
            method=self.command, path=url.path, query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers=self.headers, body=body, local_address=self.connection.getsockname()[0],
            client_address=self.client_address[0])

    def _write(self, response):
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format, *args):
        # The request log in SQLite is the record; stderr stays quiet.
        pass


class TLSServer(ThreadingHTTPServer):
    """One listener: a TLS handshake per connection, run in the connection's own thread."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True     # SO_REUSEADDR only: two holders of one address must conflict

    def __init__(self, address, port, app, tls_context):
        self.app = app
        self.tls_context = tls_context
        super().__init__((address, port), Handler)

    def server_bind(self):
        # Skip HTTPServer.server_bind: its getfqdn() can hang on name lookups.
        if self.allow_reuse_address:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        request.settimeout(SOCKET_TIMEOUT)
        try:
            tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ConnectionError, TimeoutError, ssl.SSLError):
            pass
        finally:
            _close_quietly(tls)

    def handle_error(self, request, client_address):
        pass


class PlainServer(TLSServer):
    """The control interface: plain HTTP on the appliance's own address."""

    def __init__(self, address, port, app):
        super().__init__(address, port, app, None)

    def finish_request(self, request, client_address):
        request.settimeout(SOCKET_TIMEOUT)
        self.RequestHandlerClass(request, client_address, self)


def _close_quietly(sock):
    with contextlib.suppress(OSError):
        sock.close()


def serve_in_thread(server, name):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=name, daemon=True)
    thread.start()
    return thread


def now_iso(timestamp=None):
    """RFC 3339 in UTC ending +00:00, as the vendor's v2 API writes date-times."""
    moment = datetime.datetime.fromtimestamp(timestamp if timestamp is not None else time.time(),
                                             datetime.UTC)
    return moment.isoformat(timespec="seconds")
