# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters behind the backup_restore_drill role: a registry of documented entry points.

The drill's logic lives in ``plugins/plugin_utils/drill_*.py`` (one concern per file, see
docs/architecture.md); each filter here only calls into it. Documentation is in the sidecar
files ``plugins/filter/<filter name>.yml``.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import (
    drill_applications,
    drill_plan,
    drill_report as report_builder,
    drill_summary as summary_builder,
    drill_sweep,
    drill_timeline,
    drill_values,
    report_text,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.unsafe import returns_unsafe


def drill_application(application=None, api_version=None):
    """What a drill can prove for ``application``: its row of the per-application table, as a dict."""
    return drill_applications.application_facts(application, api_version)


def drill_preflight(source_info, backup_info, settings=None):
    """The preflight verdict: checks, blocking errors, warnings and the drill's reference time."""
    return drill_plan.preflight_verdict(source_info, backup_info, settings)


def drill_restore_plan(preflight, backup_result=None, settings=None):
    """The restore's name and point in time, and why that point in time."""
    return drill_plan.restore_plan(preflight, backup_result, settings)


def drill_report(context):
    """The whole drill as one document: status, checks, phases, request, cleanup, timeline."""
    return report_builder.build_report(context)


def drill_timeline_svg(report):
    """A self-contained SVG of the report's timeline (server time)."""
    return drill_timeline.timeline_svg(report)


def drill_sweep_candidates(clusters, prefix="drill", older_than=None, now_ms=None, protected_ids=None):
    """Clusters a drill created and left behind, older than ``older_than``."""
    return drill_sweep.sweep_candidates(clusters, prefix, older_than, now_ms, protected_ids)


def drill_sweep_unproven(clusters, prefix="drill", older_than=None, now_ms=None, protected_ids=None):
    """Clusters with the drill's name pattern and age but no drill's intent record: for a person to decide."""
    return drill_sweep.sweep_unproven(clusters, prefix, older_than, now_ms, protected_ids)


def drill_sweep_clusters(results):
    """The clusters of cluster_info results (one per application), each with its application."""
    return drill_sweep.sweep_clusters(results)


def drill_summary(results, report_dir=".", run_id=""):
    """The drills of one playbook run, side by side."""
    return summary_builder.summarise(results, report_dir, run_id)


def human_seconds(seconds):
    """Seconds as ``45s``, ``12m30s`` or ``3h05m`` for the reports."""
    return drill_values.human_seconds(seconds)


ESCAPES = {"markdown": report_text.markdown_inline, "fence": report_text.markdown_fence, "xml": report_text.xml_text}


def drill_escape(value, format="markdown"):  # pylint: disable=redefined-builtin
    """``value`` made inert for a report format: ``markdown`` (one line), ``fence`` (a fence it cannot close), ``xml``."""
    if format not in ESCAPES:
        raise AnsibleFilterError("drill_escape: format must be one of %s (got %r)" % (", ".join(sorted(ESCAPES)), format))
    return ESCAPES[format](value)


class FilterModule:
    """The backup_restore_drill role's filters; every value they return is marked unsafe (see plugin_utils/unsafe.py)."""

    def filters(self):
        return {name: returns_unsafe(function) for name, function in self._filters().items()}

    @staticmethod
    def _filters():
        return {
            "drill_application": drill_application,
            "drill_preflight": drill_preflight,
            "drill_restore_plan": drill_restore_plan,
            "drill_report": drill_report,
            "drill_timeline_svg": drill_timeline_svg,
            "drill_sweep_candidates": drill_sweep_candidates,
            "drill_sweep_clusters": drill_sweep_clusters,
            "drill_sweep_unproven": drill_sweep_unproven,
            "drill_summary": drill_summary,
            "drill_duration": human_seconds,
            "drill_escape": drill_escape,
        }
