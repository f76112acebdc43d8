# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/health.yml with DNS swing against a real BIND 9: the site's record pointing at the
backup exits non-zero and says where it points; pointing at the primary, the site is healthy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.sra.appliance.tests.integration.health_lab import HealthLab

SITE1, SITE2 = "site1.lab.sra.test", "site2.lab.sra.test"


@pytest.fixture(scope="module")
def dns_health(lab_factory, bind_server, tmp_path_factory):
    lab = lab_factory("demo")
    lab.reset()
    health = HealthLab(lab, str(tmp_path_factory.mktemp("health-dns"))).deploy()
    inventory = health.inventory(group_vars=dict(
        sra_network_method="dns_swing", sra_shared_ips=[],
        sra_dns=dict(server=bind_server.address, port=bind_server.port, zone=bind_server.zone,
                     tsig_name=bind_server.key_name, tsig_secret=bind_server.secret,
                     tsig_algorithm=bind_server.algorithm)))
    return health, inventory


def point_site_at(module_runner, bind_server, lab, name):
    record = lab.info["topology"]["site_hostname"]
    result = module_runner("dns_record", bind_server.params(record=record, value=lab.address(name), ttl=60))
    assert not result.failed, result


def test_the_site_record_at_the_backup_exits_non_zero_and_says_where(dns_health, bind_server, module_runner):
    health, inventory = dns_health
    point_site_at(module_runner, bind_server, health.lab, "site2")
    serial_before = bind_server.serial()
    run = health.run(inventory)
    assert run.rc != 0, run
    backup = health.lab.address("site2")
    assert run.report["problems"] == ["failover pair: site address %s reaches %s, not the primary %s"
                                      % (backup, SITE2, SITE1)]
    site = run.report["pair"]["site_address"]
    assert site["dns"]["addresses"] == [backup] and site["holders"] == [SITE2]
    assert "DNS record support.lab.sra.test. on %s: %s" % (bind_server.address, backup) in run.output
    assert bind_server.serial() == serial_before, "the health read sent an update"


def test_the_site_record_at_the_primary_is_healthy(dns_health, bind_server, module_runner):
    health, inventory = dns_health
    point_site_at(module_runner, bind_server, health.lab, "site1")
    run = health.run(inventory)
    assert run.rc == 0, run
    assert run.report["pair"]["site_address"]["holders"] == [SITE1]
    assert run.report["pair"]["site_address"]["dns"]["addresses"] == [health.lab.address("site1")]
