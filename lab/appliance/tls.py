"""The served certificate follows the certificate configuration.

Order: a certificate whose SAN matches the SNI host name, else the one assigned to the IP the
connection arrived on, else the default certificate, else the factory certificate.
"""
import ssl
import threading
from pathlib import Path

from lab.appliance.certificates import hostname_matches


class CertificateSelector:
    def __init__(self, table, directory):
        self.table = table
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._contexts = {}
        self._lock = threading.Lock()

    def listener_context(self, address):
        """The context of one listener: its SNI callback picks the certificate per connection."""
        context = self._new_context(self.choose(None, address))

        def pick(ssl_object, server_name, _context):
            ssl_object.context = self.context_for(self.choose(server_name, address))

        context.sni_callback = pick
        return context

    def choose(self, server_name, address):
        if server_name:
            by_name = self._match_sni(server_name, address)
            if by_name:
                return by_name
        return (self.table.assignments().get(address)
                or self.table.default_fingerprint()
                or self.table.factory_fingerprint())

    def _match_sni(self, server_name, address):
        assigned_here = self.table.assignments().get(address)
        ranked = []
        for fingerprint, dns_names, factory, added in self.table.san_candidates():
            exact = any(name.lower() == server_name.lower() for name in dns_names)
            if exact or any(hostname_matches(name, server_name) for name in dns_names):
                # Prefer exact names, then this IP's certificate, then imported over factory, newest.
                ranked.append((exact, fingerprint == assigned_here, not factory, added, fingerprint))
        return max(ranked)[-1] if ranked else None

    def context_for(self, fingerprint):
        with self._lock:
            if fingerprint not in self._contexts:
                self._contexts[fingerprint] = self._new_context(fingerprint)
            return self._contexts[fingerprint]

    def forget(self, fingerprint):
        with self._lock:
            self._contexts.pop(fingerprint, None)
        (self.directory / f"{fingerprint}.pem").unlink(missing_ok=True)

    def _new_context(self, fingerprint):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self._chain_file(fingerprint))
        return context

    def _chain_file(self, fingerprint):
        """key + certificate + issuers in one file, as load_cert_chain wants it."""
        chain = self.table.chain(fingerprint)
        path = self.directory / f"{fingerprint}.pem"
        path.touch(mode=0o600)
        path.write_text(chain[0]["key_pem"] + "".join(row["pem"] for row in chain))
        return str(path)
