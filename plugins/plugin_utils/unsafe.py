# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Values from the API (and from any data store) marked unsafe for templating, on every supported ansible-core.

A cluster name, an SLA tier, a data centre's region, a restore's message: whoever controls the API's
answer (another account on v2, a proxy that rewrites answers) controls these strings. Ansible must
never evaluate ``{{ ... }}`` or ``{% ... %}`` inside them. ``mark_unsafe`` is the one way the
collection says so, where such values enter Ansible: the inventory plugin's host names and variables
(also what ``compose``, ``groups`` and ``keyed_groups`` read) and every value the drill filters return.

* ansible-core 2.16 to 2.18: ``ansible.utils.unsafe_proxy.wrap_var`` makes each string an
  ``AnsibleUnsafeText`` (recursively through dicts, lists, tuples and sets), which the templar never
  evaluates;
* ansible-core 2.19 and later: data from a plugin is untrusted unless tagged ``TrustedAsTemplate``;
  ``wrap_var`` removes that tag, so marking is kept on these versions too (it costs a copy and keeps
  the rule the same on every version).

The containers are walked here, not by ``wrap_var``: on 2.19 and later a filter may return Ansible's own
lazy containers (a part of its input), which ``wrap_var`` cannot rebuild; here every mapping becomes a
``dict``, every list or tuple a ``list`` or ``tuple``, and only strings go through ``wrap_var``.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

try:
    from ansible.utils.unsafe_proxy import wrap_var as _wrap_var
except ImportError:  # pragma: no cover - every supported ansible-core has it; never evaluate what cannot be marked
    _wrap_var = None


def mark_unsafe(value):
    """``value`` with every string in it (keys too) marked unsafe for templating; other values unchanged."""
    if _wrap_var is None:
        raise RuntimeError("ansible.utils.unsafe_proxy.wrap_var is missing: values from the API cannot be marked unsafe")
    return _mark(value)


def _mark(value):
    if isinstance(value, (str, bytes)):
        return _wrap_var(value)
    if isinstance(value, Mapping):
        return {_mark(key): _mark(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_mark(item) for item in value)
    if isinstance(value, list):
        return [_mark(item) for item in value]
    if isinstance(value, Set):
        return {_mark(item) for item in value}
    return value  # numbers, booleans, None, dates: nothing to evaluate


def returns_unsafe(function):
    """``function`` whose result is marked unsafe for templating: what a filter returns carries names and messages from the API."""
    def marked(*args, **kwargs):
        return mark_unsafe(function(*args, **kwargs))
    marked.__name__ = function.__name__
    marked.__doc__ = function.__doc__
    return marked
