# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The one register of secrets: every form of each secret, masked wherever text leaves the collection.

``Secrets.register(secret, username=None)`` records the secret and, with a user name, the forms HTTP Basic
authentication puts on the wire and that a gateway may echo back in an error body: ``base64(username:secret)``
padded and unpadded (so also ``Basic <token>``), and its URL-safe spelling. ``mask(value)`` replaces every
form in a string, or in every string of a structure (keys too), with ``********``.

The API key is registered by the module (and the inventory plugin) at start; a password a later client reads
from the API or takes as an option is registered the same way, and ``on_register`` (a module's
``no_log_values.add``) makes Ansible mask each form too, in results, warnings and ``-vvv`` output.

The user name alone is not a secret (it is an account identifier, shown in the API's own answers and logs);
it is not registered: masking it would blank every occurrence of a common word such as ``demo`` in all output.
"""

from __future__ import annotations

import base64

MASK = "********"


def basic_forms(username, secret):
    """The forms of ``base64(username:secret)``: padded, unpadded, URL-safe (each once, longest first)."""
    raw = ("%s:%s" % (username, secret)).encode("utf-8")
    forms = []
    for encoded in (base64.b64encode(raw).decode("ascii"), base64.urlsafe_b64encode(raw).decode("ascii")):
        for form in (encoded, encoded.rstrip("=")):
            if form and form not in forms:
                forms.append(form)
    return forms


class Secrets:
    """Every secret form of a run, masked in any text or structure; ``values`` for ``no_log_values``."""

    def __init__(self, on_register=None):
        self._forms = []
        self._on_register = on_register

    @property
    def values(self):
        return list(self._forms)

    def register(self, secret, username=None):
        """Record ``secret`` (ignored when empty) and, with ``username``, its HTTP Basic forms."""
        if not secret or not isinstance(secret, str):
            return
        forms = [secret] + (basic_forms(username, secret) if username else [])
        for form in forms:
            if form not in self._forms:
                self._forms.append(form)
                if self._on_register is not None:
                    self._on_register(form)
        self._forms.sort(key=len, reverse=True)  # a longer form first, so no part of it is left beside a mask

    def mask(self, value):
        """``value`` with every registered form replaced by ``********`` (strings in dicts, lists and tuples too)."""
        if not self._forms:
            return value
        if isinstance(value, str):
            for form in self._forms:
                if form in value:
                    value = value.replace(form, MASK)
            return value
        if isinstance(value, dict):
            return {self.mask(key): self.mask(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.mask(item) for item in value]
        return value
