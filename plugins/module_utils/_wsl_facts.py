# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Facts about WSL and Windows that more than one plugin needs, each stated once.

Messages quote these values through the ``*_TEXT`` names, so a number that changes here changes in
every error that names it. The keys of the two config files live in ``_wsl_schema``, which builds
its key descriptions from these facts too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Windows 11 starts at build 22000; Windows 10 builds are below it.
WINDOWS11_FIRST_BUILD = 22000
# Mirrored networking and the Hyper-V firewall arrived with Windows 11 22H2 build 22621.2428
# (KB5031354); 23H2 (22631) and later builds have them.
MIRRORED_MIN_BUILD = 22621
MIRRORED_MIN_UBR = 2428
MIRRORED_MIN_UPDATE = "KB5031354"
MIRRORED_MIN_TEXT = "Windows 11 22H2 build %d.%d (%s)" % (MIRRORED_MIN_BUILD, MIRRORED_MIN_UBR, MIRRORED_MIN_UPDATE)

# The networking features (mirrored mode, DNS tunneling, the Hyper-V firewall, autoProxy) arrived
# in the Store package of WSL 2.0.0.
WSL_MIN_VERSION = (2, 0, 0)
WSL_MIN_TEXT = "%d.%d" % WSL_MIN_VERSION[:2]

# What `wslinfo --networking-mode` may answer inside a guest and wsl_info reads on the host: the
# config file's modes (virtioproxy is WSL's older name for consomme) and wsl1 for a WSL 1 distribution.
EFFECTIVE_NETWORKING_MODES = ("nat", "mirrored", "bridged", "none", "virtioproxy", "consomme", "wsl1")

# The Hyper-V firewall's VMCreatorId of the WSL VM.
WSL_VM_CREATOR_ID = "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"
