#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wslconfig
short_description: Manage keys of a user's .wslconfig, key by key, from Windows or from inside WSL
version_added: 0.1.0
description:
  - Sets or removes individual keys of C(%UserProfile%\.wslconfig), the file that configures the WSL2
    virtual machine of one Windows user. Everything else in the file (comments, order, unknown keys,
    spacing, encoding UTF-8 / UTF-8 with BOM / UTF-16 with BOM, line endings) stays byte for byte.
  - Reads the file with WSL's own parser rules (only C(#) comments, case-insensitive sections and keys, the
    first duplicate wins, quotes, escapes, C([experimental]) spellings of C([wsl2]) keys). An existing key
    is updated where WSL reads it, also when that is the legacy C([experimental]) spelling; a new key goes
    under its section, which is created at the end of the file when missing.
  - Every value is checked against the schema of C(.wslconfig) before anything is written (types, ranges,
    allowed values, the section a key must be in, ASCII only). Windows paths are escaped for you.
  - On a Windows host (PowerShell shell, for example over WinRM or SSH) the file of O(user) is found through
    the ProfileList registry, and the machine policies under C(HKLM\Software\Policies\WSL) are read; a
    policy that overrides a requested key gives a warning or, with O(policy_conflict=fail), a failure.
  - On a Linux target, which is the user's own WSL distribution, the file is managed through the Windows
    drive mount (C(/mnt/c/Users/<user>/.wslconfig)). That needs neither administrator rights nor WinRM.
  - Changes take effect only when the WSL VM is stopped and started again (C(wsl --shutdown)); this is
    reported as RV(restart_required=vm).
author:
  - wslfleet.networking maintainers (@wslfleet)
extends_documentation_fragment:
  - wslfleet.networking._attributes
  - wslfleet.networking._config_edit
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    support: full
    platforms: [windows, posix]
    description: A Windows host, or a Linux WSL guest with the Windows drive mounted.
  action:
    support: full
    description: Runs as an action plugin on the controller; the target only reads and writes bytes.
options:
  user:
    description:
      - The Windows user whose C(.wslconfig) to manage. WSL reads the file of the user that starts it, so
        this is required unless O(path) is given; the plugin never guesses.
      - On Windows, C(DOMAIN\user) or C(user); its profile directory comes from the ProfileList registry.
      - On a Linux target, the name of the directory under O(mount_root)C(/Users/).
    type: str
  path:
    description:
      - Full path of the file instead of O(user), as seen by the target (C(C:\Users\dev\.wslconfig) on
        Windows, C(/mnt/c/Users/dev/.wslconfig) in a guest).
      - Must be absolute and a regular file or not exist yet. A directory, FIFO, device, socket, Windows device
        name or symbolic link is refused before anything is read (the copy that writes the file would replace
        a link with a file).
    type: str
  mount_root:
    description:
      - Linux targets only. Where the Windows system drive is mounted in the guest.
    type: str
    default: /mnt/c
  settings:
    description:
      - Section name to a dictionary of key name to value (see the examples).
      - Section and key names are matched case-insensitively. Keys that WSL reads only under
        C([experimental]) (C(hostAddressLoopback), C(ignoredPorts), ...) must be listed there.
      - Booleans are written as C(true)/C(false). Sizes are strings such as C(8GB) (upper-case suffix) or
        integers (bytes). Port lists may be a list of integers or a comma-separated string.
      - With O(state=absent) the values are ignored and may be V(null).
    type: dict
    required: true
  policy_conflict:
    description:
      - Windows hosts only. What to do when a machine policy overrides a requested key
        (for example C(AllowNetworkingModeUserSetting=0) against C(networkingMode)).
      - V(warn) writes the file and warns; V(fail) fails before anything is written.
    type: str
    choices: [warn, fail]
    default: warn
notes:
  - The file is written with M(ansible.windows.win_copy) on Windows and M(ansible.builtin.copy) in a guest,
    from a local file holding the exact new bytes, so a half-written file is never left behind.
  - Non-ASCII characters in values are refused; WSL's parser mangles them.
  - WSL warns about, and ignores, what it cannot read; those warnings are returned in RV(config_warnings).
seealso:
  - module: wslfleet.networking.wsl_conf
  - name: Advanced settings configuration in WSL
    description: Microsoft's documentation of .wslconfig.
    link: https://learn.microsoft.com/windows/wsl/wsl-config
"""

EXAMPLES = r"""
- name: Mirrored networking with DNS tunneling for the developer of this laptop (Windows host)
  wslfleet.networking.wslconfig:
    user: "{{ wslfleet_windows_user }}"
    settings:
      wsl2:
        networkingMode: mirrored
        dnsTunneling: true
        autoProxy: true
      experimental:
        hostAddressLoopback: true
        ignoredPorts: [3000, 9000]
    policy_conflict: fail
  register: wslconfig

- name: Same from inside the developer's own WSL distribution, no admin rights needed
  wslfleet.networking.wslconfig:
    user: dev
    settings:
      wsl2:
        networkingMode: mirrored

- name: VM sizing, with a custom swap file (backslashes are escaped for you)
  wslfleet.networking.wslconfig:
    path: C:\Users\dev\.wslconfig
    settings:
      wsl2:
        memory: 8GB
        processors: 4
        swapFile: C:\wsl\swap.vhdx
    backup: true

- name: Drop the legacy [experimental] networking keys
  wslfleet.networking.wslconfig:
    user: dev
    state: absent
    settings:
      experimental:
        hostAddressLoopback:
        ignoredPorts:

- name: Shut WSL down when the file changed
  ansible.windows.win_command: wsl.exe --shutdown
  when: wslconfig.restart_required == 'vm'
"""

RETURN = r"""
path:
  description: The file managed, as the target sees it.
  returned: always
  type: str
  sample: C:\Users\dev\.wslconfig
user:
  description: The Windows user whose file was managed.
  returned: when O(user) was given
  type: str
  sample: dev
effective:
  description:
    - The settings as WSL will use them after this run (section -> key -> value), after machine policies and
      WSL's own adjustments (see RV(adjustments)).
    - Unknown keys, dead duplicates and invalid values are left out, as WSL ignores them.
  returned: always
  type: dict
  sample: {"wsl2": {"networkingMode": "mirrored", "memory": "8GB"}, "experimental": {"hostAddressLoopback": true}}
adjustments:
  description:
    - Values WSL uses that differ from what the file says, each with the reason (WSL's own rules, for example
      C(hostAddressLoopback) and C(ignoredPorts) count only in mirrored mode, safe mode turns features off,
      C(VirtioProxy) is read as C(consomme), a memory below 256MB is raised to it, processors of 0 or less
      mean all of the host's). RV(effective) already shows the value WSL uses.
    - V(value=null) means WSL uses its built-in default (or one that depends on the host).
  returned: always
  type: list
  elements: dict
  sample: [{"key": "experimental.hostAddressLoopback", "file": true, "value": false,
            "reason": "counts only in mirrored networking mode (the mode is nat)"}]
restart_required:
  description: V(vm) when the file changed (the WSL VM must be shut down for WSL to read it), otherwise V(false).
  returned: always
  type: raw
  sample: vm
backup_file:
  description: Path of the backup copy, when O(backup=true) and the file changed.
  returned: changed and O(backup=true)
  type: str
  sample: C:\Users\dev\.wslconfig.6120.20261122-040000~
config_warnings:
  description: What WSL would complain about in the resulting file (unknown keys, duplicates, invalid lines
    with line numbers, policy overrides), plus notes about the input. Each is also shown as an Ansible warning.
  returned: always
  type: list
  elements: str
  sample: ["Unknown key 'wsl2.hostAddressLoopback' in C:\\Users\\dev\\.wslconfig:4 (WSL reads hostAddressLoopback only under [experimental])"]
policies:
  description: The DWORD values found under C(HKLM\Software\Policies\WSL); V(null) on a Linux target.
  returned: always
  type: dict
  sample: {"AllowNetworkingModeUserSetting": 0, "DefaultNetworkingMode": 1}
policy_overrides:
  description: Requested keys that a machine policy overrides, with the value WSL will use instead.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "wsl2.networkingMode", "policy": "AllowNetworkingModeUserSetting", "requested": "mirrored",
            "effective": "nat"}]
"""
