# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files on the controller written so that a reader never sees half of one (reports, evidence index)."""

from __future__ import annotations

import os
import stat
import tempfile


def _current(path, expected_size=None):
    """(bytes, mode) of the regular file ``path``, or (None, None) when it cannot be read or is not a regular file.

    Never opens a FIFO, a device or a symbolic link (a reader could block, or read without end): the entry is
    then "different", and ``write_atomic`` replaces the entry itself. With ``expected_size``, a file of another
    size is not read at all.
    """
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return None, None
        mode = info.st_mode & 0o7777
        if expected_size is not None and info.st_size != expected_size:
            return None, mode
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None, None  # replaced between the look and the open
            return handle.read(info.st_size + 1), mode
    except OSError:
        return None, None


def same_file_content(path, data):
    """Whether the regular file ``path`` holds exactly ``data`` (never reads a FIFO, a device or through a link)."""
    return _current(path, len(data))[0] == data


def needs_write(path, data, mode):
    """True when ``path`` is missing, holds other bytes or has another mode."""
    return _current(path, len(data)) != (data, mode)


def write_atomic(path, data, mode):
    """Write ``data`` (bytes) to ``path`` so a reader sees the old file or the new one, never a
    part: a temporary file in the same folder, flushed, given ``mode``, renamed over ``path``.
    Returns True when something changed (same bytes and mode: nothing is written; same bytes in
    another mode: only the mode is set)."""
    current, current_mode = _current(path, len(data))
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
