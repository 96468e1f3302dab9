#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mtu
short_description: Set a WSL guest interface's MTU now and keep it across restarts
description:
  - Sets the MTU of O(interface) with C(ip link set) and persists it so it is set again when the
    distribution starts. With systemd as PID 1 that is a oneshot unit ordered after the interface
    exists, without systemd through the C([boot] command) of C(/etc/wsl.conf), edited through the
    collection's lossless wsl.conf engine (an existing command is kept and ours appended).
  - O(mtu=auto) finds the path MTU toward O(probe_host) by bisection with don't-fragment pings
    (C(ping -M do -s SIZE -c 1 -W 1)) and applies it minus O(margin). When the whole path carries
    the interface's current MTU, the current MTU is kept, so C(auto) only ever lowers it to a
    bottleneck it found, and a second run changes nothing.
  - Input is validated before anything changes. Each part (the live MTU, the persisted copy) is
    compared first and only written when it differs.
  - In WSL all distributions share one network stack, so the MTU applies to all
    of them; in NAT mode WSL itself may set the MTU again when the Windows host's interfaces
    change.
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
options:
  interface:
    description: The interface, as named inside the guest.
    type: str
    default: eth0
  mtu:
    description:
      - The MTU, an integer in 576-9000 narrowed by the interface's own C(min_mtu)/C(max_mtu)
        (from C(ip -d -j link)), or C(auto) to probe the path toward O(probe_host).
    type: str
    required: true
  probe_host:
    description:
      - Address or name to probe with O(mtu=auto); it must answer pings. Pick a host behind the
        bottleneck (for a VPN, a host on the far side of the tunnel).
      - Its route must leave through O(interface).
    type: str
  margin:
    description: Bytes subtracted from a path MTU that O(mtu=auto) discovered.
    type: int
    default: 0
  persist:
    description:
      - How the MTU is set again at the next start of the distribution.
      - C(systemd) writes and enables C(/etc/systemd/system/wslfleet-mtu-<interface>.service).
      - C(boot_command) adds C(ip link set dev <interface> mtu <mtu>) to C([boot] command) of O(wsl_conf_path).
      - C(auto) picks C(systemd) when systemd is PID 1, else C(boot_command).
      - C(none) sets the MTU now only.
      - The method not chosen is cleaned up (our unit disabled and removed, our segment of the boot command removed),
        so two persisted copies never fight.
    type: str
    choices: [auto, systemd, boot_command, none]
    default: auto
  wsl_conf_path:
    description: The C(wsl.conf) used by O(persist=boot_command).
    type: path
    default: /etc/wsl.conf
  backup:
    description: Keep a timestamped copy of a file (the unit or C(wsl.conf)) before changing it.
    type: bool
    default: false
extends_documentation_fragment:
  - wslfleet.networking._attributes
attributes:
  check_mode:
    support: full
    details:
      - O(mtu=auto) sends its probes in check mode too (they change nothing).
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
    description: Target OS/families that can be operated against.
notes:
  - Needs root. O(mtu=auto) needs C(ping) from iputils.
  - An MTU below 1280 turns IPv6 off on the interface; the module warns when the interface has IPv6 addresses.
seealso:
  - module: wslfleet.networking.guest_info
  - module: wslfleet.networking.wsl_conf
"""

EXAMPLES = r"""
- name: Pin eth0 to 1400 for a VPN that drops larger packets
  wslfleet.networking.mtu:
    interface: eth0
    mtu: 1400

- name: Find the path MTU through the VPN and keep 20 bytes of head room
  wslfleet.networking.mtu:
    interface: eth0
    mtu: auto
    probe_host: 10.20.0.1
    margin: 20

- name: Persist through wsl.conf even where systemd runs
  wslfleet.networking.mtu:
    mtu: 1380
    persist: boot_command
"""

RETURN = r"""
interface:
  description: The interface.
  returned: always
  type: str
  sample: eth0
mtu:
  description: The MTU the interface has after the run (what it would have, in check mode).
  returned: always
  type: int
  sample: 1380
previous_mtu:
  description: The MTU before the run.
  returned: always
  type: int
  sample: 1500
path_mtu:
  description: With O(mtu=auto), the bottleneck found; null when the path carried the current MTU.
  returned: when mtu is auto
  type: int
  sample: 1400
probes:
  description: With O(mtu=auto), every probe as C(mtu) and C(result) (C(fits), C(too_big), C(lost)).
  returned: when mtu is auto
  type: list
  elements: dict
  sample: [{mtu: 576, result: fits}, {mtu: 1500, result: too_big}, {mtu: 1038, result: fits}]
persist:
  description: The persistence method used (C(systemd), C(boot_command) or C(none)).
  returned: always
  type: str
  sample: systemd
unit:
  description: The systemd unit name used by O(persist=systemd).
  returned: always
  type: str
  sample: wslfleet-mtu-eth0.service
boot_command:
  description: The C([boot] command) of C(wsl.conf) after the run; null when not used.
  returned: always
  type: str
  sample: /usr/sbin/ip link set dev eth0 mtu 1380
backup_file:
  description: Backup files made, one per changed file.
  returned: when backup is true and a file changed
  type: list
  elements: str
commands:
  description: Commands run that change state (or would, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/usr/sbin/ip link set dev eth0 mtu 1380, systemctl daemon-reload, systemctl enable wslfleet-mtu-eth0.service]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.wslfleet.networking.plugins.module_utils._mtu import MtuError
from ansible_collections.wslfleet.networking.plugins.module_utils._mtu_task import MtuTask


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type="str", default="eth0"),
            mtu=dict(type="str", required=True),
            probe_host=dict(type="str"),
            margin=dict(type="int", default=0),
            persist=dict(type="str", default="auto", choices=["auto", "systemd", "boot_command", "none"]),
            wsl_conf_path=dict(type="path", default="/etc/wsl.conf"),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    task = MtuTask(module)
    try:
        result = task.run_task()
    except MtuError as exc:
        module.fail_json(msg=to_native(exc), commands=task.commands)
    if not module._diff:
        del result["diff"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
