# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter sra.appliance.cluster_primary: where the atlas_cluster role administers the cluster."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

# Only plugin_utils: importing the controller's filter module here would change how the in-process
# module runs of the other unit tests report warnings.
from ansible_collections.sra.appliance.plugins.plugin_utils._cluster_primary import (
    ClusterPrimaryError, cluster_primary, cluster_primary_of)

PAIR = ["site1", "site2"]
NORMAL = dict(site1="primary", site2="backup")


@pytest.mark.parametrize("roles, expected", [
    (dict(site1="primary", site2="backup"), "site1"),
    (dict(site1="backup", site2="primary"), "site2"),       # after a failover: the normal backup holds it
    (dict(site1="none", site2="none"), "site1"),            # before the relationship: the normal primary
    (dict(site1="primary", site2="none"), "site1"),         # a one-sided relationship: its primary
    (dict(site1=None, site2="primary"), "site2"),           # the normal primary not read
])
def test_the_current_primary_else_the_normal_one(roles, expected):
    assert cluster_primary(PAIR, roles, NORMAL) == expected


def test_a_standalone_appliance_is_its_own_primary():
    assert cluster_primary(["solo"], dict(solo="none"), dict(solo=None)) == "solo"
    assert cluster_primary(["b", "a"], dict(a="none", b="none"), {}) == "b"   # no normal roles: inventory order


def test_a_role_conflict_is_refused_with_the_flow_that_resolves_it():
    with pytest.raises(ClusterPrimaryError, match="site1 and site2 all answer primary.*resolve_conflict.yml"):
        cluster_primary(PAIR, dict(site1="primary", site2="primary"), NORMAL)


@pytest.mark.parametrize("roles", [dict(site1="backup", site2="backup"), dict(site1=None, site2="backup")])
def test_no_primary_while_one_answers_backup_is_refused(roles):
    # Both backup (a swap in progress, or a conflict), or the normal primary unread: never the normal primary.
    with pytest.raises(ClusterPrimaryError, match="no appliance answers primary.*unplanned_failover.yml"):
        cluster_primary(PAIR, roles, NORMAL)


def test_no_candidate_says_which_groups_to_fill():
    with pytest.raises(ClusterPrimaryError, match="sra_failover_pair.*sra_standalone"):
        cluster_primary([], {}, {})


def test_the_filter_reads_health_info_results_and_the_normal_roles():
    hostvars = dict(site1=dict(sra_normal_role="primary"), site2=dict(sra_normal_role="backup"))
    results = [dict(health=dict(role="backup")), dict(health=dict(role="primary"))]
    assert cluster_primary_of(PAIR, hostvars, iter(results)) == "site2"
    assert cluster_primary_of(PAIR, hostvars, [dict(health=None), dict(skipped=True)]) == "site1"
    with pytest.raises(ClusterPrimaryError, match="all answer primary"):
        cluster_primary_of(PAIR, hostvars, [dict(health=dict(role="primary"))] * 2)
    with pytest.raises(ClusterPrimaryError, match="one health_info result per host, got 1 for 2"):
        cluster_primary_of(PAIR, hostvars, results[:1])
