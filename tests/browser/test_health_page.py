# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health page in a real browser: Debian's Chromium, headless, renders the page the health
playbook writes (sra.appliance.health_html) and the test reads what it shows, from the DOM the
browser built (--dump-dom) and from its screenshot (--screenshot): the primary's name in the primary
box, the traffic nodes by region, a problem in red, nothing red on a healthy site, and a hostile host
name shown as text, never run as a script.

`make browser` runs it (part of `make test`); .ci/run installs Chromium when it is missing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser

import pytest

from ansible_collections.sra.appliance.plugins.plugin_utils import _health_report as builder
from ansible_collections.sra.appliance.plugins.plugin_utils import _health_views as views
from ansible_collections.sra.appliance.tests.unit.plugins.plugin_utils.health_inputs import (
    NOW, SITE1, SITE2, TN1, TN2, TN3, Site, pair_result, traffic_read, view)

# The page's colours (plugins/plugin_utils/_health_views.py STYLE): problems red, healthy green.
RED = (0xb7, 0x1c, 0x1c)
GREEN = (0x2e, 0x7d, 0x32)
HOSTILE_REGION = '<script>document.title="owned"</script><b id="injected">x</b>'
# The flags the brief of the browser test names: no GPU, no QUIC, no first-run, no network of its own.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1600", "--hide-scrollbars"]


def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: apt-get install chromium (the Debian package); .ci/run installs it")
    return found


def render(tmp_path, report, name):
    """(the DOM Chromium built, the screenshot's pixels) for the page of ``report``."""
    page = tmp_path / ("%s.html" % name)
    page.write_text(views.html_page(report))
    url = "file://%s" % page
    profile = tmp_path / ("profile-%s" % name)
    base = [chromium()] + FLAGS + ["--user-data-dir=%s" % profile]
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
    shot = tmp_path / ("%s.png" % name)
    subprocess.run(base + ["--screenshot=%s" % shot, url], capture_output=True, timeout=120, check=True)
    return dom, read_png(str(shot))


def read_png(path):
    """The pixels of an 8-bit RGB or RGBA PNG (what Chromium writes) as a list of rows of (r, g, b)."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, header, compressed = 8, None, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    width, height, depth, color_type, dummy, dummy2, interlace = header
    assert depth == 8 and color_type in (2, 6) and interlace == 0, header
    channels = 3 if color_type == 2 else 4
    raw = zlib.decompress(compressed)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous, channels)
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return rows


def unfilter(kind, line, previous, step):
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        up = previous[i]
        corner = previous[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xff
        elif kind == 2:
            line[i] = (line[i] + up) & 0xff
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xff
        elif kind == 4:
            line[i] = (line[i] + paeth(left, up, corner)) & 0xff
    return line


def paeth(left, up, corner):
    estimate = left + up - corner
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
    return (left, up, corner)[distances.index(min(distances))]


def count(pixels, color):
    return sum(row.count(color) for row in pixels)


class Dom(HTMLParser):
    """Elements of the DOM the browser dumped: tag, attributes, and the text each one holds."""

    def __init__(self, text):
        HTMLParser.__init__(self)
        self.elements = []
        self._open = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        element = dict(tag=tag, attrs=dict(attrs), text="")
        self.elements.append(element)
        if tag not in ("meta", "br", "link", "img", "input"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def by_id(self, element_id):
        return next(element for element in self.elements if element["attrs"].get("id") == element_id)

    def with_class(self, css_class):
        return [element for element in self.elements if css_class in (element["attrs"].get("class") or "").split()]


def healthy_report():
    return builder.build_report(Site().groups, Site().hostvars, dict(now=NOW, sync_max_age=86400))


def unhealthy_report():
    site = Site()
    site.set_pair(pair_result(view(SITE1, "backup", sync_age=3 * 86400),
                              view(SITE2, "primary", sync_age=3 * 86400), reaches={"192.0.2.52": "b" * 32}))
    site.set(TN3, sra_health_read=traffic_read(TN3, success=False), sra_region=HOSTILE_REGION)
    return builder.build_report(site.groups, site.hostvars, dict(now=NOW, sync_max_age=86400))


def test_a_healthy_site_shows_the_primary_in_the_primary_box_and_nothing_red(tmp_path):
    dom_text, pixels = render(tmp_path, healthy_report(), "healthy")
    dom = Dom(dom_text)
    primary = dom.by_id("primary-box")
    assert primary["attrs"]["data-role"] == "primary" and SITE1 in primary["text"]
    assert "holds the shared IP" in primary["text"]
    assert dom.by_id("status")["text"] == "HEALTHY"
    regions = [(element["attrs"]["data-region"], [node["attrs"]["data-name"] for node in dom.with_class("node")
                                                  if node["text"] and node["text"] in element["text"]])
               for element in dom.with_class("region")]
    assert regions == [("eu-west", [TN1, TN2]), ("us-east", [TN3])]
    assert not dom.with_class("problem")
    assert count(pixels, GREEN) > 1000, "the healthy badge and boxes are not green"
    assert count(pixels, RED) == 0, "a healthy site shows red"


def test_an_unhealthy_site_shows_its_problems_in_red_the_new_primary_in_the_primary_box_and_values_as_text(tmp_path):
    dom_text, pixels = render(tmp_path, unhealthy_report(), "unhealthy")
    dom = Dom(dom_text)
    assert dom.by_id("status")["text"] == "UNHEALTHY"
    primary = dom.by_id("primary-box")
    assert SITE2 in primary["text"] and SITE1 not in primary["text"]
    problems = [element["text"] for element in dom.with_class("problem")]
    assert any("the last data sync is 3 days old" in text for text in problems), problems
    assert any(TN3 in text and "unhealthy" in text for text in problems), problems
    assert dom.by_id("sync")["attrs"]["class"] == "link bad"
    assert count(pixels, RED) > 2000, "the problems are not shown in red"
    # A hostile region name (inventory text) is shown as text: no script ran, no element was injected.
    assert [element for element in dom.elements if element["tag"] == "script"] == []
    assert [element for element in dom.elements if element["attrs"].get("id") == "injected"] == []
    assert HOSTILE_REGION in [element["attrs"]["data-region"] for element in dom.with_class("region")]
    assert "owned" not in [element["text"] for element in dom.elements if element["tag"] == "title"][0]
