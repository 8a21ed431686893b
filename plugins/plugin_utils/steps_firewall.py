# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


"""The firewall step shared by the recovery and the drill: which of the source's rules to copy.

The source's rules come from ``cluster_firewall_rule_info`` while the source still answers, else
from the newest drill report of that source (``steps_memory``). A rule without a network (an AWS
security group) cannot be copied to another cluster and is listed, never guessed; so is every rule
when none could be read.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import as_dict, as_list

READ_API = "api"
READ_DRILL_REPORT = "drill_report"
READ_NONE = "none"


def rule_list(rules):
    """The parts of rules worth recording and copying: network, type, status (results hold nothing secret)."""
    kept = []
    for rule in as_list(rules):
        rule = as_dict(rule)
        if not rule:
            continue
        kept.append({"network": rule.get("network"), "type": str(rule.get("type") or "").upper() or None,
                     "status": rule.get("status"), "security_group_id": rule.get("security_group_id")})
    return kept


def source_rules(rule_info, memory=None):
    """The source's rules and where they come from: ``{basis, rules, read_error, report, report_date}``.

    ``rule_info``: the registered result of ``cluster_firewall_rule_info`` on the source (may have failed);
    ``memory``: ``steps_memory.newest_drill_report``'s answer (or None)."""
    rule_info = as_dict(rule_info)
    memory = as_dict(memory)
    read_error = None
    if rule_info and not rule_info.get("failed") and not rule_info.get("skipped") and "rules" in rule_info:
        return {"basis": READ_API, "rules": rule_list(rule_info.get("rules")), "read_error": None,
                "report": None, "report_date": None}
    if rule_info.get("failed"):
        read_error = str(rule_info.get("msg") or "the read failed")
    recorded = as_dict(memory.get("firewall"))
    if recorded.get("rules") is not None:
        return {"basis": READ_DRILL_REPORT, "rules": rule_list(recorded.get("rules")), "read_error": read_error,
                "report": memory.get("path"), "report_date": memory.get("date")}
    return {"basis": READ_NONE, "rules": [], "read_error": read_error, "report": None, "report_date": None}


def firewall_copy(read, enabled=True):
    """The rules to add to the restored cluster: ``{enabled, basis, copy: [{network, rule_types}], not_copied, ...}``.

    One entry per network with its rule types in the source's order (``cluster_firewall_rule`` takes a
    network and its types). ``not_copied`` lists each rule that cannot be copied and why."""
    read = as_dict(read)
    by_network = {}
    not_copied = []
    for rule in rule_list(read.get("rules")):
        if not rule.get("network"):
            not_copied.append(dict(rule, reason="a rule of a security group, not a network: add it by hand"))
            continue
        if not rule.get("type"):
            not_copied.append(dict(rule, reason="the rule has no type"))
            continue
        types = by_network.setdefault(rule["network"], [])
        if rule["type"] not in types:
            types.append(rule["type"])
    copy = [{"network": network, "rule_types": types} for network, types in by_network.items()]
    unread = None
    if read.get("basis") == READ_NONE:
        unread = "The source's firewall rules could not be read%s and no drill report of it records them: none is copied, none is guessed." % (
            " (%s)" % read["read_error"] if read.get("read_error") else "")
    return {
        "enabled": bool(enabled),
        "basis": read.get("basis") or READ_NONE,
        "report": read.get("report"),
        "report_date": read.get("report_date"),
        "read_error": read.get("read_error"),
        "source_rules": rule_list(read.get("rules")),
        "to_copy": copy if enabled else [],
        "would_copy": copy,
        "not_copied": not_copied,
        "unread": unread,
    }
