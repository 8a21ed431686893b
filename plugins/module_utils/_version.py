# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The collection's version, sent in the User-Agent. A unit test keeps it equal to galaxy.yml's."""

from __future__ import annotations

COLLECTION_VERSION = "0.1.0"
