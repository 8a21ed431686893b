# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files on the controller written so that a reader never sees half of one (reports, evidence index)."""

from __future__ import annotations

import os
import tempfile


def _current(path):
    """(bytes, mode) of ``path``, or (None, None) when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), os.stat(path).st_mode & 0o7777
    except OSError:
        return None, None


def needs_write(path, data, mode):
    """True when ``path`` is missing, holds other bytes or has another mode."""
    return _current(path) != (data, mode)


def write_atomic(path, data, mode):
    """Write ``data`` (bytes) to ``path`` so a reader sees the old file or the new one, never a
    part: a temporary file in the same folder, flushed, given ``mode``, renamed over ``path``.
    Returns True when something changed (same bytes and mode: nothing is written; same bytes in
    another mode: only the mode is set)."""
    current, current_mode = _current(path)
    if current == data:
        if current_mode == mode:
            return False
        os.chmod(path, mode)
        return True
    folder, name = os.path.split(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".%s." % name, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return True
