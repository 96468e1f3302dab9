# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Version and identity facts about WSL on Windows, kept in one place.

Every number here comes from the shared WSL reference (sections 1.7, 3.1 and 5.1); plugins and
the role ask these helpers instead of repeating the numbers. The Windows builds are defined in
module_utils/_wsl_schema.py, which also describes keys with them.
"""

from __future__ import annotations

# The Windows builds live with the schema, whose key descriptions quote them.
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import (  # noqa: F401 (re-exported)
    MIRRORED_MIN_BUILD,
    MIRRORED_MIN_UBR,
    WINDOWS11_FIRST_BUILD,
)

# The networking features (mirrored mode, DNS tunneling, firewall, autoProxy) arrived in WSL 2.0.0.
WSL_MIN_VERSION = (2, 0, 0)

WSL_VM_CREATOR_ID = "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"


def version_tuple(text):
    """'2.0.14.0' -> (2, 0, 14, 0); None for anything that is not dotted digits."""
    if not text:
        return None
    parts = str(text).split("-", maxsplit=1)[0].split(".")
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def wsl_version_supported(version):
    """True when a WSL package version string is 2.0.0 or later."""
    parsed = version_tuple(version)
    return parsed is not None and parsed[:3] >= WSL_MIN_VERSION


def is_windows11(build):
    return build is not None and int(build) >= WINDOWS11_FIRST_BUILD


def supports_mirrored(build, ubr):
    """Mirrored networking and the Hyper-V firewall: 22621.2428+ or any later build."""
    if build is None:
        return False
    build = int(build)
    if build > MIRRORED_MIN_BUILD:
        return True
    return build == MIRRORED_MIN_BUILD and ubr is not None and int(ubr) >= MIRRORED_MIN_UBR
