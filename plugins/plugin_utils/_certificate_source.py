# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which form the inventory's sra_certificate has, for the certificates role.

Only the keys are looked at, never the values: a chain given as ``lookup('file', ...)`` is not read
to answer (the role asks several times per host; issue 18).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def certificate_source(certificate):
    """``pem`` (chain and key), ``pkcs12`` (content or path), ``appliance`` (the fingerprint of a
    certificate whose key one appliance holds, replicated from it) or ``none``."""
    keys = set(certificate or ())
    if "chain" in keys:
        return "pem"
    if keys & {"pkcs12", "pkcs12_path"}:
        return "pkcs12"
    if "fingerprint" in keys:
        return "appliance"
    return "none"
