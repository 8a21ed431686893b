# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wait options (argument spec: wait_argument_spec() in module_utils/_module.py).

Defaults differ per module, so this fragment only describes the options: each module states the
defaults in its own DOCUMENTATION, for example ``options: {wait_timeout: {default: 3600}}``
(fragment and module options are merged key by key).
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until the operation reaches its end state before returning.
      - With V(false) the module returns as soon as the API accepted the request; follow it with the matching C(_info) module.
    type: bool
  wait_timeout:
    description:
      - How many seconds to wait at most when O(wait=true). The module then fails, naming the state it saw last.
      - Nothing is cancelled on timeout; running the task again picks the operation up where it is.
    type: float
  wait_sleep:
    description:
      - Seconds between two status polls when O(wait=true). Fractions are allowed.
      - For API hosts other than loopback addresses, values below 2.5 are raised to 2.5 seconds to spare the API's rate limit.
    type: float
"""
