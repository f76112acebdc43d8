# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  host:
    description:
      - The appliance's own address or host name, as in its IP configuration.
      - Never the site host name or a shared IP, which move from one appliance to the other on a failover.
    type: str
    required: true
  port:
    description:
      - The appliance's HTTPS port.
    type: int
    default: 443
  client_id:
    description:
      - OAuth client ID of an API account (C(/login) > Management > API Configuration).
      - Used for the vendor APIs and the C(/login) part of the management API.
      - If not set, the environment variable E(BT_CLIENT_ID) is used, as the vendor's own tooling names it.
    type: str
  client_secret:
    description:
      - OAuth client secret of the API account.
      - If not set, the environment variable E(BT_CLIENT_SECRET) is used.
    type: str
  appliance_user:
    description:
      - User of an admin account of the appliance's C(/appliance) interface.
      - Used for the C(/appliance) part of the management API only.
      - If not set, the environment variable E(SRA_APPLIANCE_USER) is used.
    type: str
  appliance_password:
    description:
      - Password of that C(/appliance) account.
      - If not set, the environment variable E(SRA_APPLIANCE_PASSWORD) is used.
    type: str
  validate_certs:
    description:
      - Verify the appliance's TLS certificate. Keep this on; give O(ca_path) for a private CA or a factory certificate.
      - A certificate is valid when its chain verifies (against O(ca_path), or the system's trust store) and it names
        O(tls_server_name) or O(host) (a DNS name, with one left-most wildcard label at most, or an IP address
        SAN).
      - V(false) skips both checks and warns, because whoever answers at O(host) then receives the credentials.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the certificates to trust (a private CA, or the appliances' self-signed factory certificates),
        or a directory of hashed certificates.
      - Checked before the first request; without it the system's trust store is used.
    type: path
  tls_server_name:
    description:
      - The name the appliance's certificate is verified against besides O(host), and the name sent as SNI (and as
        the HTTP C(Host)), while the connection still goes to O(host).
      - Usually the site host name, for an appliance reached by its own address whose site certificate names only
        the site. A factory-fresh appliance, whose self-signed certificate names its address, still verifies by
        O(host), so one run reaches both.
      - Without it, SNI is sent only when O(host) is a name, and the certificate must name O(host).
      - See C(docs/tls.md) for which certificate an appliance serves with and without SNI.
    type: str
  timeout:
    description:
      - Seconds to wait for one HTTP answer.
    type: int
    default: 30
notes:
  - "Modules run on the controller and talk HTTPS to the appliance: use C(connection: local) with the appliance as the
    inventory host."
  - Every module of this collection that takes these options is in the action group C(sra.appliance.appliance), so
    C(module_defaults) can set them once.
  - "Requests go over the Python standard library (C(http.client), C(ssl)), one connection per request, with
    C(Connection: close) as the vendor requires; no HTTP proxy is used."
"""
