# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real HTTPS server on 127.0.0.1 for the client's and health_info's TLS tests: it serves a
trustme certificate issued for the names a test chooses and records the SNI and the requests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.server
import json
import ssl
import threading

import pytest

TOKEN = {"access_token": "t" * 40, "token_type": "Bearer", "expires_in": 3600}


class TlsServer:
    """``names``: the certificate's SANs (DNS names and IP addresses). ``ca_file`` trusts it."""

    def __init__(self, tmp_path, names):
        trustme = pytest.importorskip("trustme")
        self.ca = trustme.CA()
        self.leaf = self.ca.issue_cert(*names)
        self.ca_file = str(tmp_path / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.server_names = []
        self.requests = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.leaf.configure_cert(context)
        context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.handle_error = lambda request, address: None  # a refused handshake is the test's point
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
        self.thread.start()

    def _handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append(dict(method=self.command, path=self.path, headers=dict(self.headers),
                                            body=self.rfile.read(length) if length else b""))
                body = json.dumps(TOKEN if self.path == "/oauth2/token" else {"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        return Handler

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
