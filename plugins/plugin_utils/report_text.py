# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Text from the API made inert in each report format, and file names made from cluster names.

Names, messages and details come from the API (or from a folder anyone may write to). In a report they must stay
text for every reader:

* ``markdown_inline``: one line of Markdown text; HTML (``<``, ``>``, ``&``) and the characters that change
  Markdown's structure (emphasis, code, links, headings, table cells, ...) escaped, line breaks made spaces;
* ``markdown_fence``: a code fence longer than any run of backticks in a text, so the text never closes it;
* ``xml_text``: text for XML 1.0 (JUnit): characters XML 1.0 does not allow replaced with U+FFFD, then escaped;
* ``relative_href``: a link to a file in a folder as a percent-encoded relative path (a folder named
  ``javascript:alert(1)`` is a folder, never a scheme);
* ``file_name_part``: a cluster name as part of a file name: safe characters, bounded, and unique (a digest of
  the name is added whenever the name had to be cut or changed).
"""

from __future__ import annotations

import hashlib
import os
import re
from urllib.parse import quote

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
BACKTICK_RUNS = re.compile(r"`+")
FILE_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")
FILE_NAME_PART_MAX = 60  # of a file name's 255 bytes: room for the prefix, the run id, a digest and the extension
DIGEST_LENGTH = 8


def _text(value):
    return "" if value is None else str(value)


def markdown_inline(value):
    """``value`` as one line of inert Markdown text (HTML and structure characters escaped)."""
    text = LINE_BREAKS.sub(" ", _text(value))
    text = CONTROL.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_fence(value):
    """A backtick fence (at least three) longer than every run of backticks in ``value``."""
    runs = [len(run) for run in BACKTICK_RUNS.findall(_text(value))]
    return "`" * max([3] + [run + 1 for run in runs])


def xml_text(value):
    """``value`` escaped for XML 1.0 text and attributes; characters XML 1.0 forbids become U+FFFD."""
    text = XML_INVALID.sub("\ufffd", _text(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#39;"))


def relative_href(path, folder=None):
    """``path`` as a link from ``folder``: a relative path, each segment percent-encoded (never a scheme or a host)."""
    text = _text(path)
    if folder is not None and os.path.isabs(text):
        text = os.path.relpath(text, folder)
    segments = [segment for segment in text.replace(os.sep, "/").split("/") if segment not in ("", ".")]
    # Every ":" is encoded, so the first segment can never read as a scheme ("javascript%3Aalert%281%29/...").
    return "/".join(quote(segment, safe="") for segment in segments) if segments else "."


def file_name_part(name, fallback="cluster", limit=FILE_NAME_PART_MAX):
    """``name`` as part of a file name: letters, digits, ``_`` and ``-``, at most ``limit`` characters.

    The same name gives the same part. When the name had to be changed or cut, the first characters of its
    SHA-256 are added, so two long names sharing a beginning (or ``a b`` and ``a-b``) still make two files.
    """
    original = _text(name)
    part = FILE_NAME_UNSAFE.sub("-", original).strip("-_") or fallback
    if part == original and len(part) <= limit:
        return part
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_LENGTH]
    return "%s-%s" % (part[:limit - DIGEST_LENGTH - 1].rstrip("-_") or fallback, digest)
