# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of restorekit.instaclustr.drill_write_reports (documented in plugins/modules/drill_write_reports.py).

Runs on the controller only: it renders the given templates (found as ``ansible.builtin.template``
finds them: the role's ``templates/`` first) with the task's variables and writes each result
atomically, in one task and with no module round trip (``template`` runs a ``stat`` and a ``copy``
module per file).
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_write

ARGUMENT_SPEC = {
    "templates": {
        "type": "list", "elements": "dict", "required": True,
        "options": {"src": {"type": "str", "required": True}, "dest": {"type": "path", "required": True}},
    },
    "mode": {"type": "raw", "default": "0644"},
    "directory_mode": {"type": "raw", "default": "0755"},
    "manifest": {"type": "bool", "default": False},
    "signing_key": {"type": "str", "no_log": True},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # nothing is transferred
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            mode = drill_write.file_mode(args["mode"], "mode")
            folder_mode = drill_write.file_mode(args["directory_mode"], "directory_mode")
        except ValueError as error:
            return dict(result, failed=True, msg=str(error))
        # Render everything first: a template that fails leaves no report of this drill half-written.
        rendered = []
        for item in args["templates"]:
            try:
                source = self._find_needle("templates", item["src"])
                with open(source, encoding="utf-8") as handle:
                    text = handle.read()
                searchpath = drill_write.search_path(task_vars, self._loader.get_basedir(), source)
                rendered.append((item["dest"], drill_write.render(self._templar, text, searchpath, task_vars)))
            except (AnsibleError, OSError, UnicodeError) as error:
                return dict(result, failed=True, msg="rendering %s failed: %s" % (item["src"], error))
        try:
            written, folders_changed = drill_write.write_files(rendered, mode, folder_mode,
                                                               check_mode=self._task.check_mode)
            key_error = None
            if args["manifest"]:
                # After the reports: the manifest holds their SHA-256 and links to the cluster's previous drill.
                manifest, key_error = drill_write.write_manifest(rendered, mode, args["signing_key"], check_mode=self._task.check_mode)
                written.update(manifest)
        except (OSError, ValueError) as error:
            return dict(result, failed=True, msg="writing the reports failed: %s" % error)
        result.update(
            changed=folders_changed or any(written.values()),
            files=[path for path, unused_text in rendered] + [path for path in written if path not in dict(rendered)],
            written=[path for path, changed in written.items() if changed],
            msg="%d file(s) %s in %s" % (
                len(rendered), "would be written" if self._task.check_mode else "written",
                ", ".join(sorted({os.path.dirname(path) for path, unused_text in rendered}))),
        )
        if key_error:
            result.update(failed=True, msg="%s; the reports and an unsigned manifest were written" % key_error)
        return result
