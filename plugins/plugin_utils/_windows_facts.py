# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decisions about a Windows host's versions, from the facts in module_utils/_wsl_facts.py."""

from __future__ import annotations

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import (
    MIRRORED_MIN_BUILD,
    MIRRORED_MIN_UBR,
    WINDOWS11_FIRST_BUILD,
    WSL_MIN_VERSION,
)


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
