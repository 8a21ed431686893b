# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of restorekit.instaclustr.drill_evidence (documented in plugins/modules/drill_evidence.py).

Runs on the controller only: it reads the drill reports under ``path`` and writes the evidence
index there, with no module round trip and no API request. The freshness gate fails the task
after the index is written.
"""

from __future__ import annotations

import os
import time

from ansible.plugins.action import ActionBase

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_evidence, drill_evidence_integrity, drill_evidence_pack
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.evidence_manifest import EvidenceError
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import write_index

ARGUMENT_SPEC = {
    "path": {"type": "path", "required": True, "aliases": ["report_dir"]},
    "window": {"type": "raw", "default": "90d"},
    "max_age": {"type": "raw"},
    "latest_run_id": {"type": "list", "elements": "str", "aliases": ["latest_run_ids"]},
    "trusted_keys": {"type": "list", "elements": "path", "default": []},
    "expected_clusters": {"type": "list", "elements": "str", "default": []},
    "pack": {"type": "path"},
    "allow_empty": {"type": "bool", "default": False},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # nothing is transferred
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        folder = args["path"]
        if not os.path.isdir(folder):
            return dict(result, failed=True, msg="path: the report folder %s does not exist" % folder)
        try:
            found = drill_evidence.scan(folder)
            model = drill_evidence.build_model(
                found, now_ms=int(time.time() * 1000), window=args["window"],
                max_age=args["max_age"], latest_run_ids=args["latest_run_id"])
            # Every manifest verified (hashes, chains, signatures); the gate below fails after writing.
            drill_evidence_integrity.apply(model, drill_evidence_integrity.verify_folder(folder, found, args["trusted_keys"]),
                                           args["expected_clusters"])
        except (OptionError, EvidenceError) as error:
            return dict(result, failed=True, msg=str(error))
        try:
            files, changed = write_index(folder, model, check_mode=self._task.check_mode)
            if args["pack"] and not self._task.check_mode:
                files["pack"] = drill_evidence_pack.write(folder, model, args["pack"], args["trusted_keys"])
                changed = True
        except (OSError, EvidenceError) as error:
            return dict(result, failed=True, msg="writing the evidence index in %s failed: %s" % (folder, error))
        stale = drill_evidence.stale_clusters(model)
        result.update(
            changed=changed,
            files=files,
            status=model["status"],
            counts=model["counts"],
            stale=stale,
            not_in_latest_run=[{"cluster_id": c["cluster_id"], "name": c["name"]}
                               for c in model["clusters"] if c["in_latest_run"] is False],
            # Not "skipped": Ansible would take a non-empty list for a skipped task and never evaluate failed_when.
            skipped_files=model["skipped"],
            duplicates=model["duplicates"],
            integrity=dict((key, value) for key, value in model["integrity"].items() if key != "chain_heads"),
            chain_heads=model["integrity"]["chain_heads"],
        )
        freshness = drill_evidence.gate_message(model, allow_empty=args["allow_empty"], folder=folder)
        if freshness and not model["counts"]["reports"]:
            result["status"] = "empty"  # no report at all: the gate has nothing to pass on
        messages = [text for text in (freshness, drill_evidence_integrity.gate_message(model)) if text]
        result["gate_failed"] = bool(messages)
        if messages:
            result.update(failed=True, msg="%s. Evidence index: %s" % (". ".join(messages), files["html"]))
        else:
            result["msg"] = "%d clusters, %d drill reports%s%s; evidence index: %s" % (
                model["counts"]["clusters"], model["counts"]["reports"],
                ", every cluster passed a drill within %s" % model["max_age"] if model["max_age"] else "",
                " (and %d recovery reports, which are not drills)" % model["counts"]["recoveries"] if model["counts"]["recoveries"] else "",
                files["html"])
        return result
