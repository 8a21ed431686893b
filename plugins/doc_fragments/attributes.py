# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Attributes shared by the modules.

``DOCUMENTATION`` (``restorekit.instaclustr.attributes``) describes check_mode and diff_mode and
declares the action group; a module adds its own ``support`` for check_mode and diff_mode
(attributes are merged key by key). ``INFO_MODULE`` (``restorekit.instaclustr.attributes.info_module``)
is complete for read-only modules.
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the target, and without sending any request that changes it.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
  action_group:
    description: Use C(group/restorekit.instaclustr.all) in C(module_defaults) to set the API options for this module once per play.
    support: full
    membership:
      - restorekit.instaclustr.all
"""

    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the target.
    support: full
    details:
      - This module only reads; it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: N/A
    details:
      - This module never changes anything.
  action_group:
    description: Use C(group/restorekit.instaclustr.all) in C(module_defaults) to set the API options for this module once per play.
    support: full
    membership:
      - restorekit.instaclustr.all
"""
