# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns_record without a server: bad inputs and transport failures. The BIND 9 tests in
tests/integration/dns cover the protocol."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import dns.exception
import dns.query
import dns.update
import pytest

from ansible_collections.sra.appliance.tests.module_runner import run_module

SECRET = "c3JhLmFwcGxpYW5jZSB0ZXN0IGtleSAzMiBieXRlcyE="
BASE = dict(server="192.0.2.53", zone="example.com", record="support", value="192.0.2.10", tsig_name="swing",
            tsig_secret=SECRET)


@pytest.fixture
def sent(monkeypatch):
    """Every DNS message the module tries to send; the 'server' times out."""
    messages = []

    def no_answer(message, where, **kwargs):
        messages.append((message, where, kwargs))
        raise dns.exception.Timeout()
    monkeypatch.setattr(dns.query, "tcp", no_answer)
    return messages


def run(**params):
    return run_module("dns_record", dict(BASE, **params))


def test_timeout_names_server_port_and_what_to_check(sent):
    result = run(timeout=2)
    assert result["failed"]
    assert result["msg"] == ("query support.example.com. A: no answer from 192.0.2.53 port 53 within 2.0 s: check "
                             "server and port, and that TCP 53 is open")
    assert len(sent) == 1 and sent[0][2]["timeout"] == 2.0
    assert SECRET not in json.dumps(result)


@pytest.mark.parametrize("params, message", [
    (dict(value="10.0.0.256"), "value '10.0.0.256' is not an IPv4 address"),
    (dict(value="2001:db8::1"), "is not an IPv4 address"),
    (dict(value=""), "value is empty: state=present needs the IPv4 address"),
    (dict(port=0), "port must be between 1 and 65535"),
    (dict(ttl=-1), "ttl must be 0 to 2147483647 seconds"),
    (dict(tsig_secret="!!not base64!!"), "tsig_secret is not base64"),
    (dict(record="www.example.org."), "record www.example.org. is not inside zone example.com."),
    (dict(record="a..b"), "is not a valid DNS name"),
    (dict(record="support.lab.sra.test"), "record support.lab.sra.test. is not inside zone example.com.: a name with "
                                          "a dot is a full host name; give the zone that holds it (sra_dns.zone)"),
    (dict(server="not an ip"), "server 'not an ip' is neither an IP address nor a host name the "
                               "controller resolves"),
    (dict(zone=" "), "zone is empty"),
    (dict(tsig_secret=None), "tsig_name and tsig_secret go together"),
    (dict(tsig_secret=""), "tsig_name and tsig_secret go together"),
    (dict(value=None), "value is empty"),
])
def test_bad_input_sends_nothing(sent, params, message):
    result = run(**params)
    assert result["failed"]
    assert message in result["msg"]
    assert sent == []


def test_gathered_only_queries_and_ignores_value(sent):
    result = run(state="gathered", value="not an address", timeout=1)
    assert result["failed"] and result["msg"].startswith("query support.example.com. A: no answer")
    assert len(sent) == 1 and not isinstance(sent[0][0], dns.update.UpdateMessage)
