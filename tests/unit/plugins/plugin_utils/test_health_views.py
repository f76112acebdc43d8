# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The table and the HTML page show the report, every value escaped and nothing loaded from outside.
(tests/integration/test_health_browser.py renders the page in a real headless Chromium.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from html.parser import HTMLParser

from ansible_collections.sra.appliance.plugins.filter import health as filters
from ansible_collections.sra.appliance.plugins.plugin_utils import _health_report as builder
from ansible_collections.sra.appliance.plugins.plugin_utils import _health_views as views
from ansible_collections.sra.appliance.tests.unit.plugins.plugin_utils.health_inputs import (
    IDS, NOW, SHARED_IP, SITE1, SITE2, TN1, TN3, Site, failed, pair_read, pair_result, traffic_read, view)

SETTINGS = dict(now=NOW, sync_max_age=86400)
HOSTILE = '<script>alert("x")</script>&"\''


def report_of(site, config=None):
    return builder.build_report(site.groups, site.hostvars, SETTINGS, config)


class Elements(HTMLParser):
    """Every element of a page with its attributes, and the text inside each element with an id."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.elements = []
        self.text = {}
        self._open = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        self._open.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.text[element_id] = self.text.get(element_id, "") + data


def parse(page):
    parser = Elements()
    parser.feed(page)
    return parser


# -- the table -------------------------------------------------------------------------------------
def test_the_table_of_a_healthy_site():
    lines = views.table_lines(report_of(Site()))
    assert lines[0].startswith("sra.appliance health: HEALTHY - site support.example.com (shared_ip), ")
    assert lines[1].split() == ["appliance", "group", "role", "cluster", "state", "last", "data", "sync", "sync",
                                "age", "cert", "days", "shared", "IPs"]
    assert lines[2].split() == [SITE1, "pair", "primary", "primary", "healthy", "sync-at-%d" % (NOW - 60), "60", "s",
                                "300", SHARED_IP]
    assert lines[6].split()[:5] == [TN3, "traffic", "none", "traffic", "healthy"]
    assert "failover pair: normal: %s primary, %s backup" % (SITE1, SITE2) in lines
    assert "    site address %s -> %s (the primary)" % (SHARED_IP, SITE1) in lines
    assert "    last data sync: Success, 60 s ago (limit 24 h): good" in lines
    assert lines[-1] == "traffic nodes: eu-west 2/2 healthy, us-east 1/1 healthy"


def test_the_table_of_an_unhealthy_site_says_why_on_each_row_and_lists_the_problems():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "primary", sync_age=3 * 86400, shared=[]),
                              view(SITE2, "backup", sync_age=3 * 86400), reaches={SHARED_IP: None}))
    site.set(TN1, sra_health_read=failed("192.0.2.21: cannot connect", "unreachable", appliance="192.0.2.21"))
    site.set(TN3, sra_health_read=traffic_read(TN3, cluster_role=None, appliances_error="Unknown action"))
    site.set(SITE2, sra_health_read=pair_read(days_left=None))
    lines = views.table_lines(report_of(site))
    text = "\n".join(lines)
    assert lines[0].startswith("sra.appliance health: UNHEALTHY")
    assert "UNREACHABLE" in text and "    ! 192.0.2.21: cannot connect" in lines
    assert "    ! get_appliances answered an error: Unknown action" in lines
    assert [line.split()[3] for line in lines if line.startswith(TN3)] == ["error"]
    assert "    site address %s -> nothing answers" % SHARED_IP in lines
    assert "    last data sync: Success, 3 days ago (limit 24 h): too old" in lines
    assert "problems (3):" in lines
    assert any(line.startswith("  - failover pair: the last data sync is 3 days old") for line in lines)


def test_the_table_of_a_configuration_error_lists_it_apart():
    site = Site(traffic=(TN1,))
    site.set(TN1, sra_client_id=None)
    lines = views.table_lines(report_of(site, builder.config_problems(site.groups, site.hostvars)))
    assert lines[0].startswith("sra.appliance health: CONFIGURATION ERROR")
    assert "configuration errors (1):" in lines
    assert [line.split()[4:6] for line in lines if line.startswith(TN1)] == [["CONFIG", "ERROR"]]


def test_the_table_of_a_dns_swing_shows_the_record():
    site = Site(method="dns_swing")
    site.set_pair(pair_result(reaches={"192.0.2.11": IDS[SITE1]}),
                  dns=dict(changed=False, record="support.example.com.", addresses=["192.0.2.11"]))
    lines = views.table_lines(report_of(site))
    assert "    DNS record support.example.com. on 192.0.2.53: 192.0.2.11" in lines
    assert "    site address 192.0.2.11 -> %s (the primary)" % SITE1 in lines


def test_the_table_of_a_pair_not_checked_or_without_a_sync():
    site = Site(traffic=())
    site.set(SITE1, sra_shared_ips=[])
    site.set_pair(pair_result(view(SITE1, "primary", sync_status=None, sync_age=None),
                              view(SITE2, "backup", sync_status=None, sync_age=None), reaches={}))
    lines = views.table_lines(report_of(site))
    assert "    site address: not checked" in lines and "    last data sync: none recorded" in lines


# -- the page --------------------------------------------------------------------------------------
def test_the_page_of_a_healthy_site():
    page = views.html_page(report_of(Site()))
    parsed = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert parsed.text["status"] == "HEALTHY"
    assert SITE1 in parsed.text["primary-box"] and "holds the shared IP %s" % SHARED_IP in parsed.text["primary-box"]
    assert "problems" not in parsed.text
    boxes = [attrs for tag, attrs in parsed.elements if "box" in (attrs.get("class") or "").split()]
    assert [(attrs["data-name"], attrs["data-state"]) for attrs in boxes][:2] == [(SITE1, "healthy"), (SITE2, "healthy")]
    regions = [attrs["data-region"] for tag, attrs in parsed.elements if "data-region" in attrs]
    assert regions == ["eu-west", "us-east"]
    assert "last data sync: Success, 60 s ago" in parsed.text["sync"]


def test_the_page_loads_nothing_from_outside():
    page = views.html_page(report_of(Site()))
    parsed = parse(page)
    tags = set(tag for tag, attrs in parsed.elements)
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base", "form"}
    assert not [attrs for tag, attrs in parsed.elements if set(attrs) & {"src", "href", "action", "srcset"}]
    assert "url(" not in page and "@import" not in page
    csp = [attrs["content"] for tag, attrs in parsed.elements if attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'"]


def test_every_value_on_the_page_is_escaped():
    site = Site(traffic=(TN1,))
    site.set_pair(pair_result(view(SITE1, "primary", success=False, error_message=HOSTILE), view(SITE2, "backup")))
    site.set(TN1, sra_region=HOSTILE, sra_health_read=failed(HOSTILE, "unreachable", appliance="x"))
    site.set(SITE1, sra_site_hostname=HOSTILE)
    page = views.html_page(report_of(site))
    parsed = parse(page)
    assert "script" not in set(tag for tag, attrs in parsed.elements)
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#x27;" in page
    assert [attrs["data-region"] for tag, attrs in parsed.elements if "data-region" in attrs] == [HOSTILE]
    assert HOSTILE in parsed.text["status"] or HOSTILE in "".join(parsed.text.values())


def test_the_page_of_an_unhealthy_site_shows_the_problems_and_the_states():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "primary"), view(SITE2, "primary", shared=[])))
    site.set(TN1, sra_client_id=None, sra_client_secret=None)
    site.set(TN3, sra_health_read=traffic_read(TN3, success=False))
    page = views.html_page(report_of(site, builder.config_problems(site.groups, site.hostvars)))
    parsed = parse(page)
    assert parsed.text["status"] == "UNHEALTHY"
    assert "both appliances are primary" in parsed.text["problems"]
    assert "no API account credentials" in parsed.text["config-errors"]
    assert "primary-box" not in parsed.text
    states = dict((attrs["data-name"], attrs["data-state"]) for tag, attrs in parsed.elements if "data-name" in attrs)
    assert states[TN1] == "config" and states[TN3] == "unhealthy"
    assert [attrs["class"] for tag, attrs in parsed.elements if tag == "li"][0] == "problem"


def test_the_page_shows_who_the_dns_record_or_the_nat_target_points_at():
    for method, address, what in (("dns_swing", "192.0.2.12", "the DNS record points here"),
                                  ("nat_swing", "192.0.2.60", "the NAT target points here")):
        site = Site(method=method)
        dns = dict(changed=False, record="support.example.com.", addresses=[address]) if method == "dns_swing" else None
        site.set_pair(pair_result(view(SITE1, "backup"), view(SITE2, "primary"), reaches={address: IDS[SITE2]}),
                      dns=dns)
        parsed = parse(views.html_page(report_of(site)))
        assert "%s (%s)" % (what, address) in parsed.text["primary-box"]
        assert SITE2 in parsed.text["primary-box"]


def test_the_page_of_standalone_appliances_without_a_pair():
    site = Site(traffic=(), standalone=(TN1,))
    site.groups["sra_failover_pair"] = []
    parsed = parse(views.html_page(report_of(site)))
    assert "standalone" in parsed.text["standalone"] and TN1 in parsed.text["standalone"]
    assert "pair" not in parsed.text


def test_the_filters_are_the_builder_and_the_views():
    site = Site()
    names = filters.FilterModule().filters()
    assert sorted(names) == ["health_config", "health_html", "health_report", "health_site_addresses", "health_table"]
    report = names["health_report"](site.groups, site.hostvars, SETTINGS, names["health_config"](
        site.groups, site.hostvars, {}))
    assert report == report_of(site)
    assert names["health_table"](report) == views.table_lines(report)
    assert names["health_html"](report) == views.html_page(report)
    assert names["health_site_addresses"](dict(site_addresses=["x"])) == ["x"]
    assert re.match(r"^<!DOCTYPE html>", names["health_html"](report))


def test_the_views_show_a_certificate_not_read_and_an_appliance_list_error():
    site = Site()
    site.set(SITE2, sra_health_read=failed("192.0.2.12:443: cannot read the served certificate: refused", "unreachable"))
    site.set(TN3, sra_health_read=traffic_read(TN3, cluster_role=None, appliances_error="Unknown action"))
    report = report_of(site)
    assert [line.split()[8] for line in views.table_lines(report) if line.startswith(SITE2)] == ["error"]
    page = views.html_page(report)
    assert "certificate error days" in page and "get_appliances answered an error: Unknown action" in page
