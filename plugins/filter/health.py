# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health report's filters: the ``health`` playbook's decisions and views, written in Python
(plugins/plugin_utils/_health_report.py and _health_views.py) so that unit tests reach every branch.
Each filter is documented in its own file beside this one (health_report.yml, ...)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.sra.appliance.plugins.plugin_utils import _health_report as report
from ansible_collections.sra.appliance.plugins.plugin_utils import _health_views as views


def health_config(groups, hostvars, env=None):
    return report.config_problems(groups, hostvars, env)


def health_site_addresses(pair_target, dns_result=None, method="shared_ip"):
    return report.site_addresses(pair_target, dns_result, method)


def health_report(groups, hostvars, settings=None, config=None):
    return report.build_report(groups, hostvars, settings, config)


def health_table(health):
    return views.table_lines(health)


def health_html(health):
    return views.html_page(health)


class FilterModule(object):

    def filters(self):
        return {
            "health_config": health_config,
            "health_site_addresses": health_site_addresses,
            "health_report": health_report,
            "health_table": health_table,
            "health_html": health_html,
        }
