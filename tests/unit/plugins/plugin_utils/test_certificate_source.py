# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter sra.appliance.certificate_source: which form the inventory's site certificate has."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.plugin_utils._certificate_source import certificate_source


class KeysOnly(dict):
    """A certificate whose values must not be read (a file lookup the question should not run)."""

    def __getitem__(self, key):
        raise AssertionError("read %s" % key)

    def get(self, key, default=None):
        raise AssertionError("read %s" % key)


@pytest.mark.parametrize("certificate, source", [
    (dict(chain="PEM", key="KEY"), "pem"),
    (dict(chain="PEM", key="KEY", pkcs12="P12"), "pem"),
    (dict(pkcs12="P12", passphrase="x"), "pkcs12"),
    (dict(pkcs12_path="/tmp/site.p12"), "pkcs12"),
    (dict(fingerprint="AB:CD"), "appliance"),
    (dict(holder="site1"), "none"),
    ({}, "none"),
    (None, "none"),
])
def test_the_form_of_the_certificate(certificate, source):
    assert certificate_source(certificate) == source


def test_only_the_keys_are_looked_at():
    assert certificate_source(KeysOnly(chain="lookup", key="lookup")) == "pem"
