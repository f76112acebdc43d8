# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Views of the health report (plugins/plugin_utils/_health_report.py): the text table that
``health`` prints and a self-contained HTML page. Both show the report and decide nothing.

The HTML page loads nothing (no script, no stylesheet, no image, no font: a Content-Security-Policy
of ``default-src 'none'`` says so to the browser too), and every value from the report is escaped,
because host names, appliance messages and DNS answers come from outside.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape

from ansible_collections.sra.appliance.plugins.plugin_utils._health_report import duration

ROW = "%-28s %-8s %-8s %-8s %-12s %-26s %-9s %-10s %s"
GROUP_SHORT = {"failover_pair": "pair", "traffic_node": "traffic", "standalone": "single"}
STATE_TEXT = {"healthy": "healthy", "unhealthy": "UNHEALTHY", "unreachable": "UNREACHABLE", "tls": "TLS FAILED",
              "auth": "AUTH REFUSED", "error": "ERROR", "config": "CONFIG ERROR", "not_read": "not read"}
STATUS_TEXT = {"healthy": "HEALTHY", "unhealthy": "UNHEALTHY", "config_error": "CONFIGURATION ERROR"}


# -- shared wording --------------------------------------------------------------------------------
def cluster_text(row):
    if row.get("appliances_error"):
        return "error"
    return row.get("cluster_role") or "-"


def certificate_text(row):
    certificate = row.get("certificate") or {}
    if certificate.get("error"):
        return "error"
    days = certificate.get("days_left")
    return "-" if days is None else str(days)


def sync_texts(row):
    sync = row.get("last_data_sync") or {}
    return sync.get("time") or "-", duration(sync.get("age")) or "-"


def site_address_lines(pair):
    """Where the site's address leads, in words."""
    site = pair.get("site_address") or {}
    lines = []
    dns = site.get("dns")
    if dns:
        held = ", ".join(dns.get("addresses") or []) or dns.get("error") or "no A record"
        lines.append("DNS record %s on %s: %s" % (dns.get("record"), dns.get("server"), held))
    if not site.get("checked"):
        lines.append("site address: not checked")
        return lines
    for address, name in sorted((site.get("addresses") or {}).items()):
        target = name or "nothing answers"
        if name and name == pair.get("primary"):
            target += " (the primary)"
        lines.append("site address %s -> %s" % (address, target))
    return lines


def sync_line(pair):
    sync = pair.get("sync") or {}
    if not sync.get("status"):
        return "last data sync: none recorded"
    limit = " (limit %s)" % duration(sync["max_age"]) if sync.get("max_age") else ""
    age = sync.get("age_text") or duration(sync.get("age")) or "age unknown"
    verdict = "too old" if sync.get("stale") else sync.get("verdict")
    return "last data sync: %s, %s ago%s: %s" % (sync["status"], age, limit, verdict)


def region_text(regions):
    return ", ".join("%s %d/%d healthy" % (region["name"], region["healthy"], region["total"]) for region in regions)


# -- the table -------------------------------------------------------------------------------------
def table_lines(report):
    """The text view: one row per appliance, then the pair, the regions and what is wrong."""
    site = report.get("site") or {}
    lines = ["sra.appliance health: %s - site %s (%s), %s" % (
        STATUS_TEXT.get(report["status"], report["status"]), site.get("hostname") or "-",
        site.get("network_method") or "-", report.get("generated_at"))]
    lines.append(ROW % ("appliance", "group", "role", "cluster", "state", "last data sync", "sync age", "cert days",
                        "shared IPs"))
    for row in report["appliances"]:
        sync_time, sync_age = sync_texts(row)
        lines.append(ROW % (row["name"], GROUP_SHORT.get(row["group"], row["group"]), row.get("role") or "-",
                            cluster_text(row), STATE_TEXT.get(row["state"], row["state"]), sync_time, sync_age,
                            certificate_text(row), ",".join(row.get("enabled_shared_ips") or []) or "-"))
        if row.get("reason"):
            lines.append("    ! %s" % row["reason"])
        if row.get("appliances_error"):
            lines.append("    ! get_appliances answered an error: %s" % row["appliances_error"])
    pair = report.get("pair")
    if pair:
        lines.append("failover pair: %s%s" % (pair.get("state"), ": %s" % pair["summary"] if pair.get("summary") else ""))
        if pair.get("sync") is not None:
            lines.extend("    %s" % line for line in site_address_lines(pair) + [sync_line(pair)])
    if report.get("regions"):
        lines.append("traffic nodes: %s" % region_text(report["regions"]))
    for title, items in (("problems", report["problems"]), ("configuration errors", report["config_errors"]),
                         ("warnings", report["warnings"])):
        if items:
            lines.append("%s (%d):" % (title, len(items)))
            lines.extend("  - %s" % item for item in items)
    return lines


# -- the HTML page ---------------------------------------------------------------------------------
STYLE = """
body{font-family:sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}h3{font-size:15px;margin:0 0 6px}
.meta{color:#616161;font-size:13px}
.badge{display:inline-block;padding:6px 14px;border-radius:4px;color:#fff;font-weight:bold}
.status-healthy{background:#2e7d32}.status-unhealthy{background:#b71c1c}.status-config_error{background:#e65100}
ul.items{list-style:none;padding:0;margin:0}
ul.items li{padding:6px 10px;margin:4px 0;background:#fff}
li.problem{border-left:8px solid #b71c1c;color:#b71c1c}
li.config-error{border-left:8px solid #e65100;color:#e65100}
li.warning{border-left:8px solid #f9a825;color:#5d4037}
.boxes{display:flex;align-items:stretch;gap:16px;flex-wrap:wrap}
.box{background:#fff;border:3px solid #9e9e9e;border-radius:6px;padding:10px 14px;min-width:220px}
.box p{margin:3px 0;font-size:13px}
.box.state-healthy{border-color:#2e7d32}
.box.state-unhealthy,.box.state-unreachable,.box.state-tls,.box.state-error{border-color:#b71c1c}
.box.state-auth,.box.state-config{border-color:#e65100}
.box.role-primary{background:#e8f5e9}.box.role-backup{background:#eceff1}
.state{font-weight:bold}
.state-healthy .state{color:#2e7d32}
.state-unhealthy .state,.state-unreachable .state,.state-tls .state,.state-error .state{color:#b71c1c}
.state-auth .state,.state-config .state{color:#e65100}
.holds{display:inline-block;background:#1565c0;color:#fff;border-radius:3px;padding:1px 6px;font-size:12px}
.link{align-self:center;text-align:center;font-size:13px;padding:8px;border-radius:4px;background:#fff}
.link.good{border:2px solid #2e7d32}.link.bad{border:2px solid #b71c1c;color:#b71c1c}.link.unknown{border:2px solid #9e9e9e}
.site{padding:8px 12px;margin:0 0 12px;background:#fff;font-size:14px}
.site.good{border-left:8px solid #2e7d32}.site.bad{border-left:8px solid #b71c1c}.site.unknown{border-left:8px solid #9e9e9e}
.regions{display:flex;gap:16px;flex-wrap:wrap}
.region{background:#f0f0f0;border-radius:6px;padding:10px}
.region .box{margin:6px 0}
footer{margin-top:28px;color:#757575;font-size:12px}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _e(value):
    """Text for HTML, attributes included: None shows as a dash."""
    return escape("-" if value is None else str(value), quote=True)


def _items(element_id, title, css_class, items):
    if not items:
        return ""
    return '<section id="%s"><h2>%s (%d)</h2><ul class="items">%s</ul></section>' % (
        element_id, _e(title), len(items), "".join('<li class="%s">%s</li>' % (css_class, _e(item)) for item in items))


def _box(row, pair=None, extra_class="", element_id=None):
    """One appliance: its name, role, state and what it holds."""
    role = row.get("role") or "unknown"
    classes = "box %sstate-%s role-%s" % (extra_class, row["state"], role)
    lines = ['<h3 class="name">%s</h3>' % _e(row["name"]), '<p class="role">%s</p>' % _e(role_text(row)),
             '<p class="state">%s</p>' % _e(STATE_TEXT.get(row["state"], row["state"]))]
    if row.get("reason"):
        lines.append('<p class="reason">%s</p>' % _e(row["reason"]))
    for label in _holdings(row, pair):
        lines.append('<p><span class="holds">%s</span></p>' % _e(label))
    lines.append('<p>address %s &middot; cluster %s &middot; certificate %s days</p>'
                 % (_e(row.get("address")), _e(cluster_text(row)), _e(certificate_text(row))))
    if row.get("appliances_error"):
        lines.append('<p class="reason">get_appliances answered an error: %s</p>' % _e(row["appliances_error"]))
    if row.get("version"):
        lines.append('<p>version %s</p>' % _e(row["version"]))
    return '<div%s class="%s" data-name="%s" data-role="%s" data-state="%s">%s</div>' % (
        ' id="%s"' % _e(element_id) if element_id else "", _e(classes), _e(row["name"]), _e(role), _e(row["state"]),
        "".join(lines))


def role_text(row):
    """A pair member's failover role (and its normal one); what a traffic node or standalone appliance is."""
    if row["group"] == "failover_pair":
        normally = " (normally %s)" % row["normal_role"] if row.get("normal_role") else ""
        return "%s%s" % (row.get("role") or "role unknown", normally)
    if row["group"] == "traffic_node":
        return "traffic node" + (", not in the cluster" if row.get("in_cluster") is False else "")
    return "standalone"


def _holdings(row, pair):
    """What of the site this appliance holds: the shared IP, the DNS record, the NAT target."""
    if not pair:
        return []
    labels = []
    if row["name"] in ((pair.get("shared_ip") or {}).get("holders") or []):
        labels.append("holds the shared IP %s" % ", ".join(row.get("enabled_shared_ips") or []))
    site = pair.get("site_address") or {}
    if row["name"] in (site.get("holders") or []) and site.get("method") != "shared_ip":
        what = "the DNS record" if site.get("method") == "dns_swing" else "the NAT target"
        addresses = [address for address, name in sorted((site.get("addresses") or {}).items()) if name == row["name"]]
        labels.append("%s points here (%s)" % (what, ", ".join(addresses)))
    return labels


def _verdict_class(good, known=True):
    if not known:
        return "unknown"
    return "good" if good else "bad"


def _pair_html(report):
    pair = report.get("pair")
    if not pair:
        return ""
    rows = [row for row in report["appliances"] if row["group"] == "failover_pair"]
    site = pair.get("site_address") or {}
    reached = site.get("reached")
    state = _e(pair.get("state"))
    parts = ['<section id="pair" class="pair kind-%s"><h2>Failover pair: %s</h2>' % (state, state)]
    if pair.get("summary"):
        parts.append('<p class="meta">%s</p>' % _e(pair["summary"]))
    if pair.get("sync") is not None:
        parts.append('<div id="site-address" class="site %s">%s</div>' % (
            _verdict_class(reached, reached is not None), "<br>".join(_e(line) for line in site_address_lines(pair))))
    sync = pair.get("sync")
    link = ""
    if sync is not None:
        bad = sync.get("verdict") == "bad" or sync.get("stale") or not sync.get("status")
        link = '<div id="sync" class="link %s">&#8644;<br>%s</div>' % (_verdict_class(not bad), _e(sync_line(pair)))
    boxes = []
    for index, row in enumerate(rows):
        boxes.append(_box(row, pair, element_id="primary-box" if row["name"] == pair.get("primary") else None))
        if index == 0 and link:
            boxes.append(link)
    parts.append('<div class="boxes">%s</div></section>' % "".join(boxes))
    return "".join(parts)


def _regions_html(report):
    if not report.get("regions"):
        return ""
    by_name = dict((row["name"], row) for row in report["appliances"])
    parts = ['<section id="traffic-nodes"><h2>Traffic nodes by region</h2><div class="regions">']
    for region in report["regions"]:
        parts.append('<div class="region" data-region="%s"><h3>%s &middot; %d/%d healthy</h3>%s</div>' % (
            _e(region["name"]), _e(region["name"]), region["healthy"], region["total"],
            "".join(_box(by_name[name], extra_class="node ") for name in region["nodes"])))
    parts.append("</div></section>")
    return "".join(parts)


def _standalone_html(report):
    rows = [row for row in report["appliances"] if row["group"] == "standalone"]
    if not rows:
        return ""
    return '<section id="standalone"><h2>Standalone appliances</h2><div class="boxes">%s</div></section>' % "".join(
        _box(row) for row in rows)


def html_page(report):
    """The whole page, one string."""
    site = report.get("site") or {}
    status = report["status"]
    title = "sra.appliance health: %s" % (site.get("hostname") or "appliances")
    return "".join((
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _e(CSP),
        "<title>%s</title><style>%s</style></head>" % (_e(title), STYLE),
        '<body data-status="%s"><header><h1>%s</h1>' % (_e(status), _e(title)),
        '<p id="status" class="badge status-%s">%s</p>' % (_e(status), _e(STATUS_TEXT.get(status, status))),
        '<p class="meta">%s &middot; network method %s &middot; %d of %d appliances healthy</p></header>' % (
            _e(report.get("generated_at")), _e(site.get("network_method")), report["counts"]["healthy"],
            report["counts"]["appliances"]),
        _items("problems", "Problems", "problem", report["problems"]),
        _items("config-errors", "Configuration errors", "config-error", report["config_errors"]),
        _items("warnings", "Warnings", "warning", report["warnings"]),
        _pair_html(report), _regions_html(report), _standalone_html(report),
        "<footer>%s &middot; written by the sra.appliance health playbook</footer></body></html>\n" % _e(
            report.get("schema"))))
