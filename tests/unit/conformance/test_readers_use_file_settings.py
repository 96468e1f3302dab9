# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readers that describe the file use what it says; ``effective`` is what WSL then uses.

WSL ignores hostAddressLoopback outside mirrored mode (WslCoreConfig.cpp), so the effective value
is false either way; a drift report about the file must still see the file change.
"""
from __future__ import annotations

import base64

from ansible_collections.wslfleet.networking.plugins.module_utils._guest_drift import config_items
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import apply_settings
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import wslconfig_report

FILE = b"[wsl2]\nnetworkingMode=VirtioProxy\n[experimental]\nhostAddressLoopback=false\n"


def test_drift_sees_a_file_change_that_wsl_would_ignore():
    edit = apply_settings(FILE, "wslconfig", {"experimental": {"hostAddressLoopback": True}})
    assert edit.changed and edit.effective["experimental"]["hostAddressLoopback"] is False
    items = config_items("C:\\Users\\dev\\.wslconfig", "wslconfig", FILE, edit)
    assert items == [{"setting": "C:\\Users\\dev\\.wslconfig [experimental] hostAddressLoopback",
                      "expected": True, "actual": False, "category": "setting"}]


def test_wsl_info_reports_the_file_and_what_wsl_uses():
    report = wslconfig_report("C:\\Users\\dev\\.wslconfig", base64.b64encode(FILE).decode("ascii"), {})
    assert report["settings"]["wsl2"]["networkingMode"] == "virtioproxy"
    assert report["effective"]["wsl2"]["networkingMode"] == "consomme"
