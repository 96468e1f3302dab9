# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pre-flight and WSL agree on AllowFirewallUserSetting (src/windows/common/WslCoreConfig.cpp).

With the policy at 0 WSL turns the Hyper-V firewall on when a user turned it off, and leaves it on
otherwise, so asking for the firewall is never a conflict; asking for it off is.
"""
from __future__ import annotations

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import apply_settings
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import prerequisite_problems

# A Windows 11 23H2 host as wsl_info reports it (the fields prerequisite_problems reads).
INFO = {"windows": {"build": 22631, "ubr": 4460, "is_windows11": True},
        "wsl": {"version": "2.3.26.0", "supported": True},
        "support": {"mirrored_networking": True, "hyperv_firewall": True},
        "policies": {"allow_wsl": None, "allow_firewall_user_setting": False},
        "distributions": [{"name": "Ubuntu"}]}


def test_managing_the_firewall_under_the_policy_passes_pre_flight():
    assert prerequisite_problems(INFO, networking_mode="mirrored", hyperv_firewall=True) == []


def test_firewall_true_is_no_conflict_and_false_is():
    policies = {"AllowFirewallUserSetting": 0}
    on = apply_settings(None, "wslconfig", {"wsl2": {"firewall": True}}, policies=policies)
    assert on.policy_conflicts == [] and on.effective["wsl2"]["firewall"] is True
    off = apply_settings(None, "wslconfig", {"wsl2": {"firewall": False}}, policies=policies)
    assert off.policy_conflicts == [{"key": "wsl2.firewall", "policy": "AllowFirewallUserSetting",
                                     "requested": False, "effective": True}]
