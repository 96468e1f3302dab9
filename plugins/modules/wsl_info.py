# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the work is done by the action plugin of the same name on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: wsl_info
short_description: Report WSL, kernel and Windows versions, distributions, policies and .wslconfig of a Windows host
description:
  - Reads the WSL package and kernel versions (C(wsl --version) with C(WSL_UTF8=1), parsed by line position
    because the labels are localized), the Windows build and UBR from the registry, the distributions with
    their state and version, the default distribution, the account the task ran as, the WSL machine policies
    (C(HKLM\\SOFTWARE\\Policies\\WSL)) and the user's C(.wslconfig) parsed by the collection's INI engine.
  - Reports whether mirrored networking and the Hyper-V firewall are supported on this build.
  - With O(probe_effective=true), asks WSL itself for the effective networking mode
    (C(wslinfo --networking-mode) inside the distribution), which shows silent fallbacks to NAT.
  - The C(require_*) options turn unmet prerequisites into a failure whose message names the fix.
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
options:
  probe_effective:
    description:
      - Read the effective networking mode from inside O(distribution). Starts it when stopped.
      - In check mode nothing is started; the mode is then reported in RV(unknown) instead.
    type: bool
    default: false
  distribution:
    description: The distribution to probe. Defaults to the user's default distribution.
    type: str
  wsl_user:
    description: The Windows account whose WSL is meant; the task fails when it runs as another account.
    type: str
  require_networking_mode:
    description:
      - Fail unless this host can run WSL in this mode (Windows build, WSL version, machine policy).
    type: str
    choices: [nat, mirrored]
  require_hyperv_firewall:
    description: Fail unless the Hyper-V firewall is available and not locked by policy.
    type: bool
    default: false
  require_distributions:
    description: Fail when the account has no distributions (a task running as the wrong user).
    type: bool
    default: false
extends_documentation_fragment:
  - wslfleet.networking._attributes
  - wslfleet.networking._attributes.info_module
seealso:
  - module: wslfleet.networking.wsl_shutdown
"""

EXAMPLES = r"""
- name: Read WSL facts and check the laptop can run mirrored mode
  wslfleet.networking.wsl_info:
    require_networking_mode: mirrored
    probe_effective: true
  register: wsl

- name: Show the effective mode
  ansible.builtin.debug:
    msg: "{{ wsl.effective_networking_mode }} ({{ wsl.wsl.version }} on build {{ wsl.windows.build }})"
"""

RETURN = r"""
account:
  description: The Windows account the task ran as (distributions and .wslconfig are per user).
  returned: always
  type: str
  sample: LAPTOP01\\dev
is_admin:
  description: Whether the session is elevated.
  returned: always
  type: bool
windows:
  description: Windows build facts from the registry.
  returned: always
  type: dict
  sample: {build: 22631, ubr: 4317, display_version: 23H2, is_windows11: true}
wsl:
  description:
    - WSL package facts; C(version) is null when the Store WSL is missing.
    - C(executable) is the wsl.exe that answered and C(executable_source) where it was found, in the
      order tried - C(msi_install_location) (the folder the WSL package records under
      C(HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Lxss\\MSI)), C(program_files)
      (C(%ProgramFiles%\\WSL\\wsl.exe)), C(system32) (inbox WSL only). The System32 wsl.exe of the Store
      WSL fails from WinRM and SSH sessions.
  returned: always
  type: dict
  sample: {version: 2.3.26.0, kernel_version: 5.15.167.4-1, supported: true, warnings: [],
           executable: "C:\\Program Files\\WSL\\wsl.exe", executable_source: msi_install_location}
distributions:
  description: Registered distributions.
  returned: always
  type: list
  elements: dict
  sample: [{name: Ubuntu, state: running, version: 2, default: true}]
default_distribution:
  description: The default distribution, or null.
  returned: always
  type: str
running_distributions:
  description: Names of running distributions.
  returned: always
  type: list
  elements: str
policies:
  description: WSL machine policies; null for a policy that is not set.
  returned: always
  type: dict
support:
  description: What this host supports.
  returned: always
  type: dict
  sample: {mirrored_networking: true, hyperv_firewall: true, ipv6_disabled: false}
wslconfig:
  description: The user's .wslconfig, its parsed settings and the effective settings.
  returned: always
  type: dict
unknown:
  description: What this run could not know, each with the reason (check mode never starts WSL).
  returned: always
  type: list
  elements: str
effective_networking_mode:
  description: The mode WSL reports from inside the guest, with O(probe_effective=true); else null.
  returned: always
  type: str
  sample: mirrored
networking_mode:
  description:
    - The networking mode in one answer for drift checks. With O(probe_effective=true) the mode WSL reports
      (RV(networking_mode_source=probe)); otherwise the mode the next VM start uses according to C(.wslconfig)
      and machine policies (RV(networking_mode_source=wslconfig)), which cannot show a silent fallback.
  returned: always
  type: str
  sample: mirrored
networking_mode_source:
  description: Where RV(networking_mode) came from, C(probe) or C(wslconfig).
  returned: always
  type: str
policy_overrides:
  description: C(.wslconfig) keys a machine policy overrides, each with key, policy, requested and effective value.
  returned: always
  type: list
  elements: dict
probed_distribution:
  description: The distribution that was probed.
  returned: when O(probe_effective=true)
  type: str
problems:
  description: Unmet prerequisites of the C(require_*) options, each naming its fix.
  returned: when a prerequisite is not met
  type: list
  elements: str
"""
