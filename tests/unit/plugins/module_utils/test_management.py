# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The management driver's TCP Connection Test lists and sign-in read, over a fake client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _management
from ansible_collections.sra.appliance.plugins.module_utils._client import ApplianceError

PATH = "/appliance/api/v1/utilities/tcp-connection-test"


class Answer:
    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


class Client:
    """Answers the TCP Connection Test like an appliance: the list form unless ``lists`` is False
    (an older management API, which refuses the unknown field with 422)."""

    name = "192.0.2.10"

    def __init__(self, lists=True, results=None, refusal=422):
        self.lists = lists
        self.refusal = refusal
        self.results = results
        self.sent = []

    def request(self, method, path, auth=None, idempotent=None, json_body=None, **kwargs):
        assert (method, path, auth, idempotent) == ("POST", PATH, "basic", True)
        self.sent.append(json_body)
        if "targets" in json_body:
            if not self.lists:
                raise ApplianceError(self.name, method, path, self.refusal, "Unknown field(s): targets.")
            results = self.results if self.results is not None else [
                dict(target, success=True, message="Connected", elapsed=0.01) for target in json_body["targets"]]
            return Answer(dict(results=results))
        return Answer(dict(success=json_body["host"] != "192.0.2.99", message="single", elapsed=0.01))


def targets(count):
    return [("192.0.2.%d" % (index % 250 + 1), 443 + index // 250) for index in range(count)]


def test_one_request_carries_every_target_in_order():
    client = Client()
    results = _management.ManagementDriver(client).tcp_connection_tests(targets(3), timeout=2)
    assert client.sent == [dict(targets=[dict(host=host, port=port) for host, port in targets(3)], timeout=2)]
    assert [(result["host"], result["port"], result["success"]) for result in results] == [
        (host, port, True) for host, port in targets(3)]


def test_more_than_256_targets_take_one_request_per_256():
    client = Client()
    results = _management.ManagementDriver(client).tcp_connection_tests(targets(600))
    assert [len(body["targets"]) for body in client.sent] == [256, 256, 88]
    assert [(result["host"], result["port"]) for result in results] == targets(600)


@pytest.mark.parametrize("refusal", [400, 422])
def test_an_appliance_without_the_list_form_is_asked_one_target_at_a_time(refusal):
    client = Client(lists=False, refusal=refusal)
    driver = _management.ManagementDriver(client)
    wanted = [("192.0.2.1", 443), ("192.0.2.99", 443)]
    results = driver.tcp_connection_tests(wanted)
    assert [(result["host"], result["port"], result["success"]) for result in results] == [
        ("192.0.2.1", 443, True), ("192.0.2.99", 443, False)]
    assert [sorted(body) for body in client.sent] == [["targets", "timeout"], ["host", "port", "timeout"],
                                                      ["host", "port", "timeout"]]
    # Refused once, the list form is not tried again in this run.
    driver.tcp_connection_tests(wanted)
    assert len(client.sent) == 5 and "targets" not in client.sent[-1]


def test_an_answer_that_does_not_match_the_targets_is_an_error():
    client = Client(results=[dict(host="192.0.2.1", port=443, success=True, message="", elapsed=0)])
    with pytest.raises(ApplianceError, match="the answer holds 1 results for 2 targets"):
        _management.ManagementDriver(client).tcp_connection_tests(targets(2))


def test_other_refusals_are_not_taken_for_an_old_api():
    class Refusing(Client):
        def request(self, method, path, **kwargs):
            raise ApplianceError(self.name, method, path, 401, "authentication failed")
    with pytest.raises(ApplianceError, match="401"):
        _management.ManagementDriver(Refusing()).tcp_connection_tests(targets(1))


def test_no_targets_no_request():
    client = Client()
    assert _management.ManagementDriver(client).tcp_connection_tests([]) == [] and client.sent == []


class Status:
    def __init__(self, error=None):
        self.error = error

    def status(self):
        if self.error:
            raise self.error
        return dict(hostname="site1")


def test_signed_in_status():
    assert _management.signed_in_status(Status()) == dict(hostname="site1")
    assert _management.signed_in_status(Status(ApplianceError("a", "GET", "/s", 401, "no"))) is None
    with pytest.raises(ApplianceError):
        _management.signed_in_status(Status(ApplianceError("a", "GET", "/s", None, "cannot connect")))
