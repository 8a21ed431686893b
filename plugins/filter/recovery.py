# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters behind the cluster_recovery role (and the steps the drill shares with it): a registry.

The logic lives in ``plugins/plugin_utils/steps_*.py`` (one home per step, see docs/architecture.md);
each filter here only calls into it. Documentation is in the sidecar files ``plugins/filter/<name>.yml``.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import (
    steps_checks,
    steps_firewall,
    steps_memory,
    steps_plan,
    steps_report,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.unsafe import returns_unsafe


def recovery_plan(context):
    """The recovery plan: window, point in time, data-loss window, request, firewall copy, confirmation."""
    return steps_plan.recovery_plan(context)


def recovery_report(context):
    """The recovery report document."""
    return steps_report.recovery_report(context)


def recovery_memory(report_dirs, cluster_id):
    """The newest drill report of ``cluster_id`` under ``report_dirs``, or None."""
    return steps_memory.newest_drill_report(report_dirs, cluster_id)


def recovery_earlier(report_dir, cluster_id, name):
    """The newest earlier recovery report of ``cluster_id`` into ``name`` whose plan went ahead, or None."""
    return steps_memory.earlier_recovery(report_dir, cluster_id, name)


def firewall_copy(rule_info, memory=None, enabled=True):
    """The source's firewall rules to copy to a restored cluster, and those that cannot be."""
    return steps_firewall.firewall_copy(steps_firewall.source_rules(rule_info, memory), enabled)


def recovery_data_checks(context):
    """The data checks of a recovery's restored cluster, in report order."""
    return steps_checks.recovery_checks(context)


class FilterModule:
    """The cluster_recovery role's filters; every value they return is marked unsafe (see plugin_utils/unsafe.py)."""

    def filters(self):
        return {name: returns_unsafe(function) for name, function in self._filters().items()}

    @staticmethod
    def _filters():
        return {
            "recovery_plan": recovery_plan,
            "recovery_report": recovery_report,
            "recovery_memory": recovery_memory,
            "recovery_earlier": recovery_earlier,
            "firewall_copy": firewall_copy,
            "recovery_data_checks": recovery_data_checks,
        }
