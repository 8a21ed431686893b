#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the action plugin plugins/action/drill_write_reports.py does the work, on the
# controller (as ansible.builtin does for its action-only modules).

from __future__ import annotations

DOCUMENTATION = r"""
module: drill_write_reports
short_description: Render the drill's report templates and write them, in one controller-side step
version_added: 0.1.0
description:
  - Renders each template of O(templates) with the task's variables, as M(ansible.builtin.template) renders it (the same Jinja
    settings, C(trim_blocks) without C(lstrip_blocks), newlines as C(\n), trailing newlines kept), and writes the result to its
    C(dest) on the controller.
  - Templates are found as M(ansible.builtin.template) finds them, the calling role's C(templates/) folder first, so the
    template files stay the single source of the reports' format.
  - Used by the
    R(backup_restore_drill role,ansible_collections.restorekit.instaclustr.backup_restore_drill_role) for its JSON,
    Markdown, HTML and JUnit reports and its summary, in one task instead of a M(ansible.builtin.file) task and one
    M(ansible.builtin.template) round trip (a C(stat) and a C(copy) module) per file.
  - Every template is rendered before any file is written, so a template that fails writes nothing.
  - Each file is written atomically (a temporary file in its folder, then renamed), so a reader never sees part of one. A
    file that already holds the same content with the same mode is left alone.
  - Missing folders are created with O(directory_mode).
  - Runs on the controller only. It sends no API request and needs no credentials.
author:
  - restorekit maintainers (@restorekit)
options:
  templates:
    description:
      - The files to write.
    type: list
    elements: dict
    required: true
    suboptions:
      src:
        description:
          - The template, a path relative to the role's or play's C(templates/) folder, or absolute.
        type: str
        required: true
      dest:
        description:
          - Where to write the rendered template, on the controller.
        type: path
        required: true
  mode:
    description:
      - The mode of each file written, in octal (quote it, as V('0644')).
    type: raw
    default: '0644'
  directory_mode:
    description:
      - The mode of a folder created for a file, in octal; an existing folder is given this mode too, as
        M(ansible.builtin.file) with C(state=directory) does.
    type: raw
    default: '0755'
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the target.
    support: full
    details:
      - In check mode nothing is written; RV(written) lists what would be. The role runs it with C(check_mode=false)
        (a check-mode drill still writes its reports, marked as check mode).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    details:
      - Runs on the controller only, whatever the host.
    platforms: all
notes:
  - The template variables C(template_host), C(template_path) and C(ansible_managed) that M(ansible.builtin.template) adds
    are not set.
seealso:
  - module: ansible.builtin.template
  - name: The disaster-recovery drill
    description: The drill and its reports.
    link: https://github.com/restorekit/restorekit.instaclustr/blob/main/docs/drill.md
"""

EXAMPLES = r"""
# example: syntax-only (needs the variables the templates use)
- name: Write a report in two formats from the play's templates/ folder
  restorekit.instaclustr.drill_write_reports:
    templates:
      - src: report.json.j2
        dest: "{{ playbook_dir }}/reports/report.json"
      - src: report.md.j2
        dest: "{{ playbook_dir }}/reports/report.md"
  check_mode: false
"""

RETURN = r"""
files:
  description: The files of O(templates), in their order (written, left alone or, in check mode, not written).
  returned: success
  type: list
  elements: str
  sample: [/srv/drill-reports/drill-orders-prod-7a1c2b3d.json, /srv/drill-reports/drill-orders-prod-7a1c2b3d.md]
written:
  description: The files whose content or mode changed (in check mode, would change).
  returned: success
  type: list
  elements: str
  sample: [/srv/drill-reports/drill-orders-prod-7a1c2b3d.json]
"""
