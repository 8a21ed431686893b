# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render templates with Ansible's templar and write the results atomically, on the controller.

Shared by the action plugin ``restorekit.instaclustr.drill_write_reports`` (and its tests): the
drill's reports are rendered from the role's own ``templates/*.j2`` with the same Jinja settings as
``ansible.builtin.template`` (``trim_blocks``, no ``lstrip_blocks``, ``\\n`` newlines, trailing
newlines kept), so the template files stay the single source of the reports' format; only the
module round trips of ``template`` (a ``stat`` and a ``copy`` per file) are gone.
"""

from __future__ import annotations

import json
import os

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import evidence_manifest
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.atomic_files import needs_write, write_atomic

try:  # ansible-core 2.19 and later: a template's text must be trusted to be rendered
    from ansible.template import trust_as_template
except ImportError:  # ansible-core 2.16-2.18
    trust_as_template = None

NEWLINE = "\n"


def search_path(task_vars, basedir, source):
    """The Jinja search path ``ansible.builtin.template`` gives a template (for includes and imports):
    the play's search path, the loader's base folder and the template's folder, each also with
    ``templates/``. A new list: ``ansible_search_path`` itself is left alone."""
    folders = list((task_vars or {}).get("ansible_search_path") or []) + [basedir, os.path.dirname(source)]
    found = []
    for folder in folders:
        if folder:
            found += [os.path.join(folder, "templates"), folder]
    return found


def render(templar, text, searchpath, variables):
    """``text`` (a template's source) rendered as ``ansible.builtin.template`` renders it."""
    overrides = {"trim_blocks": True, "lstrip_blocks": False}
    if trust_as_template is not None:
        overrides["newline_sequence"] = NEWLINE
        data_templar = templar.copy_with_new_env(searchpath=searchpath, available_variables=variables)
        rendered = data_templar.template(trust_as_template(text), escape_backslashes=False, overrides=overrides)
    else:  # pragma: no cover - ansible-core before 2.19 (the drill suite runs on 2.19 and later)
        from ansible.template import AnsibleEnvironment

        data_templar = templar.copy_with_new_env(environment_class=AnsibleEnvironment, searchpath=searchpath,
                                                 newline_sequence=NEWLINE, available_variables=variables)
        rendered = data_templar.do_template(text, preserve_trailing_newlines=True, escape_backslashes=False,
                                            overrides=overrides)
    return "" if rendered is None else str(rendered)


def file_mode(value, option):
    """An octal mode given as ``"0644"``, ``"644"`` or an int (YAML reads ``0644`` as 420)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        raise ValueError("%s: %r is not an octal file mode such as '0644'" % (option, value)) from None


def ensure_folder(path, mode, check_mode=False):
    """Create ``path`` (and its parents) with ``mode``, or give an existing one that mode, as
    ``ansible.builtin.file`` with ``state: directory`` does. Returns True when something changed."""
    if os.path.isdir(path):
        if (os.stat(path).st_mode & 0o7777) == mode:
            return False
        if not check_mode:
            os.chmod(path, mode)
        return True
    if not check_mode:
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
    return True


def write_files(rendered, mode, folder_mode, check_mode=False):
    """Write ``rendered`` (``[(path, text)]``), creating their folders. In check mode nothing is
    written and the result says what would change. Returns ``({path: changed}, folders changed)``."""
    folders_changed = False
    for folder in sorted({os.path.dirname(os.path.abspath(path)) for path, unused_text in rendered}):
        folders_changed = ensure_folder(folder, folder_mode, check_mode) or folders_changed
    written = {}
    for path, text in rendered:
        data = text.encode("utf-8")
        written[path] = needs_write(path, data, mode) if check_mode else write_atomic(path, data, mode)
    return written, folders_changed


def write_manifest(rendered, mode, signing_key=None, check_mode=False):
    """Write the drill's manifest (and its signature, with ``signing_key``) beside its JSON report,
    after the reports: ``rendered`` is ``[(path, text)]`` of the drill's report files, one of them
    its ``.json`` report. ``signing_key`` is the key's PEM text or path, loaded and checked by
    ``evidence_manifest.load_signing_key`` (refused inside the report folder, or readable by group
    or others). Returns ``({path: changed}, error)``: a key that cannot be used leaves the manifest
    unsigned and returns why, so that the drill's evidence is still written and the task can fail."""
    reports = [path for path, unused_text in rendered if path.endswith(".json")]
    if len(reports) != 1:
        raise ValueError("manifest: the templates must write exactly one .json report, not %d" % len(reports))
    report_path = reports[0]
    try:
        report = json.loads(dict(rendered)[report_path])
    except ValueError as error:
        raise ValueError("manifest: the report %s is not JSON: %s" % (report_path, error)) from None
    key, error = None, None
    if signing_key not in (None, ""):
        try:
            key = evidence_manifest.load_signing_key(signing_key, os.path.dirname(os.path.abspath(report_path)))
        except evidence_manifest.EvidenceError as failure:
            error = str(failure)
    files = {path: text.encode("utf-8") for path, text in rendered}
    written = {}
    for path, data in evidence_manifest.prepare_manifest(report_path, files, report, key):
        written[path] = needs_write(path, data, mode) if check_mode else write_atomic(path, data, mode)
    signature = [path for path in written if path.endswith(evidence_manifest.MANIFEST_SUFFIX)][0] + ".sig"
    if key is None and os.path.lexists(signature):  # an unsigned manifest rewritten: its old signature goes
        written[signature] = True
        if not check_mode:
            os.unlink(signature)
    return written, error
