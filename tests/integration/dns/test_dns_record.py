# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns_record against a real BIND 9 (see conftest.py): each test uses its own record name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import dns.message
import dns.query
import dns.rdatatype

import pytest

FIRST, SECOND = "127.63.53.10", "127.63.53.11"


def lookup(bind, name):
    """(sorted addresses, ttl) straight from the server, unsigned: what a client would see."""
    fqdn = "%s.%s." % (name, bind.zone)
    answer = dns.query.tcp(dns.message.make_query(fqdn, dns.rdatatype.A), bind.address, port=bind.port, timeout=5)
    for rrset in answer.answer:
        if rrset.rdtype == dns.rdatatype.A:
            return sorted(rdata.address for rdata in rrset), rrset.ttl
    return [], None


@pytest.fixture
def dns_record(bind_server, module_runner):
    def run(check_mode=False, diff=False, **params):
        return module_runner("dns_record", bind_server.params(**params), check_mode=check_mode, diff=diff)
    return run


def test_create_then_rerun_is_unchanged(bind_server, dns_record):
    first = dns_record(record="create", value=FIRST, ttl=60)
    assert not first.failed, first
    assert first["changed"] is True
    assert first["record"] == "create.lab.sra.test."
    assert lookup(bind_server, "create") == ([FIRST], 60)

    again = dns_record(record="create", value=FIRST, ttl=60)
    assert not again.failed, again
    assert again["changed"] is False
    assert again["addresses"] == [FIRST]


def test_change_value_and_ttl(bind_server, dns_record):
    assert dns_record(record="swing", value=FIRST, ttl=60)["changed"] is True
    swung = dns_record(record="swing", value=SECOND, ttl=60)
    assert swung["changed"] is True
    assert lookup(bind_server, "swing") == ([SECOND], 60)

    longer = dns_record(record="swing", value=SECOND, ttl=300)
    assert longer["changed"] is True
    assert lookup(bind_server, "swing") == ([SECOND], 300)


def test_fqdn_record_name_is_taken_as_written(bind_server, dns_record):
    result = dns_record(record="fqdn.lab.sra.test", value=FIRST)
    assert result["record"] == "fqdn.lab.sra.test."
    assert lookup(bind_server, "fqdn")[0] == [FIRST]
    assert dns_record(record="fqdn.lab.sra.test.", value=FIRST)["changed"] is False


def test_check_mode_changes_nothing(bind_server, dns_record):
    dns_record(record="check", value=FIRST)
    predicted = dns_record(record="check", value=SECOND, check_mode=True)
    assert predicted["changed"] is True
    assert predicted["addresses"] == [SECOND]
    assert lookup(bind_server, "check")[0] == [FIRST]

    new = dns_record(record="check-new", value=FIRST, check_mode=True)
    assert new["changed"] is True
    assert lookup(bind_server, "check-new") == ([], None)


def test_diff_shows_before_and_after(dns_record):
    dns_record(record="diff", value=FIRST, ttl=60)
    result = dns_record(record="diff", value=SECOND, ttl=60, diff=True)
    assert result["diff"] == {"before": {"addresses": [FIRST], "ttl": 60},
                              "after": {"addresses": [SECOND], "ttl": 60}}
    assert "tsig_secret" not in str(result["diff"])


def test_absent_removes_the_record(bind_server, dns_record):
    dns_record(record="gone", value=FIRST)
    check = dns_record(record="gone", state="absent", check_mode=True)
    assert check["changed"] is True
    assert lookup(bind_server, "gone")[0] == [FIRST]

    removed = dns_record(record="gone", state="absent", diff=True)
    assert removed["changed"] is True
    assert removed["diff"]["after"] == {"addresses": []}
    assert lookup(bind_server, "gone") == ([], None)
    assert dns_record(record="gone", state="absent")["changed"] is False


def test_absent_with_value_removes_only_that_address(bind_server, dns_record):
    dns_record(record="one-of-two", value=FIRST)
    assert dns_record(record="one-of-two", value=SECOND, state="absent")["changed"] is False
    assert dns_record(record="one-of-two", value=FIRST, state="absent")["changed"] is True
    assert lookup(bind_server, "one-of-two") == ([], None)


def test_wrong_tsig_secret_is_a_clear_error_and_changes_nothing(bind_server, dns_record):
    dns_record(record="badsig", value=FIRST)
    wrong = base64.b64encode(b"not the secret of this zone's key!").decode("ascii")
    for check_mode in (True, False):
        result = dns_record(record="badsig", value=SECOND, tsig_secret=wrong, check_mode=check_mode)
        assert result.failed
        assert "BADSIG" in result["msg"]
        assert "tsig_secret" in result["msg"]
        assert wrong not in result["msg"]
    assert lookup(bind_server, "badsig")[0] == [FIRST]


def test_unknown_tsig_key_is_a_clear_error(bind_server, dns_record):
    result = dns_record(record="badkey", value=FIRST, tsig_name="no-such-key")
    assert result.failed
    assert "BADKEY" in result["msg"]
    assert "no-such-key" in result["msg"]
    assert lookup(bind_server, "badkey") == ([], None)


def test_unsigned_update_is_refused(bind_server, dns_record):
    result = dns_record(record="unsigned", value=FIRST, tsig_name=None, tsig_secret=None)
    assert result.failed
    assert "REFUSED" in result["msg"]
    assert lookup(bind_server, "unsigned") == ([], None)


def test_record_outside_the_zone_is_refused_before_sending(dns_record):
    result = dns_record(record="www.example.org.", value=FIRST)
    assert result.failed
    assert "not inside zone lab.sra.test." in result["msg"]


def test_no_server_is_a_timeout_or_connection_error(dns_record):
    # 127.63.53.2 is in the same test block; nothing listens there.
    result = dns_record(server="127.63.53.2", record="nowhere", value=FIRST, timeout=1)
    assert result.failed
    assert "127.63.53.2 port" in result["msg"]
    assert "cannot reach" in result["msg"] or "no answer" in result["msg"]


def test_gathered_reads_the_record_and_changes_nothing(bind_server, dns_record):
    missing = dns_record(record="gathered", state="gathered")
    assert not missing.failed, missing
    assert missing["changed"] is False and missing["addresses"] == [] and missing["ttl"] is None
    assert dns_record(record="gathered", value=FIRST, ttl=120)["changed"] is True
    updates = bind_server.log().count("updating zone")
    assert updates > 0, "the log must show the update above, or this test proves nothing"
    seen = dns_record(record="gathered", state="gathered", value=SECOND)
    assert seen["changed"] is False and seen["addresses"] == [FIRST] and seen["ttl"] == 120
    assert seen["record"] == "gathered.lab.sra.test."
    assert lookup(bind_server, "gathered") == ([FIRST], 120)
    assert bind_server.log().count("updating zone") == updates
