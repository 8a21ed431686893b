# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The names a drill gives the clusters it restores, and reading them back.

``<prefix>-<source name>-<UTC timestamp>-<run id>``: the plan writes it, the sweep parses the
timestamp back to find clusters a drill left behind, the report names its files after it.
"""

from __future__ import annotations

import datetime
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import EPOCH

NAME_MAX = 48
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PREFIX_MAX = 20
RUN_ID_MAX = 8
NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")
RUN_ID_UNSAFE = re.compile(r"[^a-z0-9]+")


def restore_name(prefix, source_name, reference_ms, run_id):
    """``<prefix>-<source name>-<UTC timestamp>-<run id>``, at most 48 characters, valid for the API.

    The source name is sanitised and shortened (never the timestamp or the run id: the sweep
    parses the timestamp back, and the run id keeps parallel drills apart).
    """
    prefix = check_prefix(prefix)
    run = RUN_ID_UNSAFE.sub("", str(run_id).lower())[:RUN_ID_MAX]
    if not run:
        raise AnsibleFilterError("backup_restore_drill_run_id must contain at least one letter or digit (got %r)" % run_id)
    stamp = (EPOCH + datetime.timedelta(milliseconds=int(reference_ms))).strftime(TIMESTAMP_FORMAT)
    source = NAME_UNSAFE.sub("-", str(source_name or "cluster")).strip("-_") or "cluster"
    room = NAME_MAX - len(prefix) - len(stamp) - len(run) - 3
    source = source[:room].rstrip("-_") or source[:1]
    return "%s-%s-%s-%s" % (prefix, source, stamp, run)


def check_prefix(prefix):
    prefix = str(prefix or "")
    if not NAME_PATTERN.match(prefix) or len(prefix) > PREFIX_MAX:
        raise AnsibleFilterError(
            "backup_restore_drill_name_prefix must be 1 to %d characters of letters, digits, '_' or '-', "
            "starting with a letter or digit (got %r)" % (PREFIX_MAX, prefix)
        )
    return prefix


def name_timestamp_ms(name, prefix):
    """The epoch ms a drill put in a restored cluster's name, or None when it is not such a name."""
    match = re.match(r"^%s-.+-(\d{8}T\d{6}Z)-[a-z0-9]{1,%d}$" % (re.escape(prefix), RUN_ID_MAX), str(name or ""))
    if not match:
        return None
    try:
        moment = datetime.datetime.strptime(match.group(1), TIMESTAMP_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return int((moment - EPOCH).total_seconds() * 1000)
