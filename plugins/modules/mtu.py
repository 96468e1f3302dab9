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
  - In WSL all distributions share one network stack (reference §6.1), so the MTU applies to all
    of them; in NAT mode WSL itself may set the MTU again when the Windows host's interfaces
    change (reference §6.2).
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

import os
import socket
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.wslfleet.networking.plugins.module_utils._guest import parse_ip_addr, parse_link, parse_route_get
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import (
    ConfigEditError,
    apply_settings,
    read_config,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import WSLCONF
from ansible_collections.wslfleet.networking.plugins.module_utils._mtu import (
    IPV6_MIN_MTU,
    PING_OVERHEAD,
    MtuError,
    allowed_range,
    auto_target,
    bisect_path_mtu,
    boot_segment,
    check_interface_name,
    check_mtu,
    classify_ping,
    merge_boot_command,
    parse_mtu_option,
    render_unit,
    unit_name,
)

_C_LOCALE = {"LANGUAGE": "C", "LC_ALL": "C", "LANG": "C"}
UNIT_DIR = "/etc/systemd/system"


class MtuModule:

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.commands = []
        self.diffs = []
        self.backups = []
        self.changed = False
        self.ip = module.get_bin_path("ip", required=True)

    # --- running things -------------------------------------------------------------------

    def run(self, argv, check_rc=True):
        rc, out, err = self.module.run_command(argv, environ_update=_C_LOCALE)
        if check_rc and rc != 0:
            self.module.fail_json(msg="%s failed (rc=%s): %s" % (" ".join(argv), rc, (err or out).strip()),
                                  commands=self.commands)
        return rc, out, err

    def change(self, argv):
        """Run a state-changing command, or only record it in check mode."""
        self.commands.append(" ".join(argv))
        self.changed = True
        if not self.module.check_mode:
            self.run(argv)

    def write_file(self, path, data, mode):
        """Atomically replace ``path`` (owner/mode kept when it exists), with an optional backup."""
        self.changed = True
        if self.module.check_mode:
            return
        if self.params["backup"] and os.path.exists(path):
            self.backups.append(self.module.backup_local(path))
        fd, tmp = tempfile.mkstemp(dir=self.module.tmpdir)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if not os.path.exists(path):
            os.chmod(tmp, mode)
        self.module.atomic_move(tmp, path, unsafe_writes=False)

    def remove_file(self, path):
        self.changed = True
        if self.module.check_mode:
            return
        if self.params["backup"]:
            self.backups.append(self.module.backup_local(path))
        os.remove(path)

    # --- reading --------------------------------------------------------------------------

    def link(self, interface):
        rc, out, err = self.run([self.ip, "-d", "-j", "link", "show", "dev", interface], check_rc=False)
        link = parse_link(out, interface) if rc == 0 else None
        if link is None:
            self.module.fail_json(msg="interface=%s does not exist on this host: %s" % (interface, (err or out).strip()))
        return link

    def systemd_running(self):
        return os.path.isdir("/run/systemd/system")

    # --- mtu: auto ------------------------------------------------------------------------

    def probe_address(self, host, interface):
        try:
            infos = socket.getaddrinfo(host, None, 0, socket.SOCK_RAW)
        except socket.gaierror as exc:
            raise MtuError("probe_host=%s cannot be resolved: %s" % (host, exc))
        family, address = infos[0][0], infos[0][4][0]
        version = 6 if family == socket.AF_INET6 else 4
        rc, out, err = self.run([self.ip, "-j", "-%d" % version, "route", "get", address], check_rc=False)
        dev = parse_route_get(out) if rc == 0 else None
        if rc != 0:
            raise MtuError("probe_host=%s (%s) has no route: %s" % (host, address, (err or out).strip()))
        if dev != interface:
            raise MtuError("probe_host=%s (%s) is routed through %s, not interface=%s: its path says nothing about %s"
                           % (host, address, dev, interface, interface))
        return version, address

    def find_path_mtu(self, interface, link):
        ping = self.module.get_bin_path("ping")
        if not ping:
            raise MtuError("mtu=auto needs ping (iputils-ping), which is not installed")
        version, address = self.probe_address(self.params["probe_host"], interface)
        low, high = allowed_range(link)
        probes = []

        def fits(mtu):
            argv = [ping, "-%d" % version, "-M", "do", "-s", str(mtu - PING_OVERHEAD[version]), "-c", "1", "-W", "1",
                    address]
            # A lost answer may be a lost packet: ask once more before calling the size too big.
            for dummy in range(2):
                rc, out, err = self.run(argv, check_rc=False)
                if rc not in (0, 1):
                    raise MtuError("probing probe_host=%s failed: %s" % (self.params["probe_host"], (err or out).strip()))
                result = classify_ping(rc, out + err)
                if result != "lost":
                    break
            probes.append({"mtu": mtu, "result": result})
            return result == "fits"

        if not fits(low):
            raise MtuError("probe_host=%s does not answer don't-fragment pings of %d bytes: cannot find a path MTU"
                           % (self.params["probe_host"], low))
        top = min(link["mtu"], high)
        if fits(top):
            return None, probes
        return bisect_path_mtu(fits, low, top - 1), probes

    # --- persistence ----------------------------------------------------------------------

    def persist_systemd(self, interface, mtu):
        name = unit_name(interface)
        path = os.path.join(UNIT_DIR, name)
        wanted = render_unit(self.ip, interface, mtu)
        try:
            with open(path, "r") as handle:
                have = handle.read()
        except (IOError, OSError):
            have = None
        if have != wanted:
            self.diffs.append({"before": have or "", "after": wanted, "before_header": path, "after_header": path})
            self.write_file(path, to_bytes(wanted), 0o644)
            self.change(["systemctl", "daemon-reload"])
        rc, out, dummy = self.run(["systemctl", "is-enabled", name], check_rc=False)
        if out.strip() != "enabled":
            self.change(["systemctl", "enable", name])
        return name

    def unpersist_systemd(self, interface):
        name = unit_name(interface)
        path = os.path.join(UNIT_DIR, name)
        if not os.path.exists(path):
            return
        with open(path, "r") as handle:
            have = handle.read()
        if self.systemd_running():
            rc, out, dummy = self.run(["systemctl", "is-enabled", name], check_rc=False)
            if out.strip() == "enabled":
                self.change(["systemctl", "disable", name])
        else:
            # Without a running systemd, `disable` cannot be asked; drop the enablement link ourselves.
            link = os.path.join(UNIT_DIR, "multi-user.target.wants", name)
            if os.path.islink(link):
                self.remove_file(link)
        self.diffs.append({"before": have, "after": "", "before_header": path, "after_header": path + " (removed)"})
        self.remove_file(path)

    def plan_boot_command(self, interface, segment):
        """wsl.conf's [boot] command with ``segment`` (None: without ours), computed through the engine.

        Returns (command after, edit result or None when the file stays as it is). Nothing is
        written here, so every refusal comes before any change.
        """
        path = self.params["wsl_conf_path"]
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except (IOError, OSError):
            data = None
        try:
            existing = read_config(data, WSLCONF, label=path)["effective"].get("boot", {}).get("command")
            wanted = merge_boot_command(existing, interface, segment)
            if (wanted or None) == (existing or None):
                return existing, None
            if wanted:
                edit = apply_settings(data, WSLCONF, {"boot": {"command": wanted}}, label=path)
            else:
                edit = apply_settings(data, WSLCONF, {"boot": {"command": None}}, state="absent", label=path)
        except ConfigEditError as exc:
            raise MtuError("%s: %s" % (path, exc))
        return wanted or None, edit if edit.changed else None

    def apply_boot_command(self, edit):
        if edit is not None:
            path = self.params["wsl_conf_path"]
            self.diffs.append(edit.diff(path))
            self.write_file(path, edit.data, 0o644)

    # --- the task -------------------------------------------------------------------------

    def main(self):
        params = self.params
        interface = check_interface_name(params["interface"])
        requested = parse_mtu_option(params["mtu"])
        if requested == "auto" and not params["probe_host"]:
            raise MtuError("mtu=auto needs probe_host: the host whose path MTU is probed")
        if params["margin"] < 0:
            raise MtuError("margin=%d must not be negative" % params["margin"])
        link = self.link(interface)
        current = link["mtu"]
        result = {"interface": interface, "previous_mtu": current}

        if requested == "auto":
            path_mtu, probes = self.find_path_mtu(interface, link)
            wanted = auto_target(current, path_mtu, params["margin"], allowed_range(link)[0])
            result.update(path_mtu=path_mtu, probes=probes)
        else:
            wanted = requested
        check_mtu(wanted, link)

        persist = params["persist"]
        if persist == "auto":
            persist = "systemd" if self.systemd_running() else "boot_command"
        if persist == "systemd" and not self.systemd_running():
            raise MtuError("persist=systemd but systemd is not PID 1 on this guest; use persist=boot_command or auto")

        if wanted < IPV6_MIN_MTU and self.has_ipv6(interface):
            self.module.warn("mtu=%d is below %d: the kernel turns IPv6 off on %s" % (wanted, IPV6_MIN_MTU, interface))

        # Every refusal happens in planning, before the first change.
        boot_command, boot_edit = None, None
        if persist == "systemd" and os.path.exists(params["wsl_conf_path"]):
            boot_command, boot_edit = self.plan_boot_command(interface, None)
        elif persist == "boot_command":
            boot_command, boot_edit = self.plan_boot_command(interface, boot_segment(self.ip, interface, wanted))

        if wanted != current:
            self.diffs.append({"before": "mtu %d\n" % current, "after": "mtu %d\n" % wanted,
                               "before_header": "%s (live)" % interface, "after_header": "%s (live)" % interface})
            self.change([self.ip, "link", "set", "dev", interface, "mtu", str(wanted)])

        unit = unit_name(interface)
        if persist == "systemd":
            self.persist_systemd(interface, wanted)
            self.apply_boot_command(boot_edit)
        elif persist == "boot_command":
            self.apply_boot_command(boot_edit)
            self.unpersist_systemd(interface)

        result.update(mtu=wanted, persist=persist, unit=unit, boot_command=boot_command, commands=self.commands,
                      changed=self.changed)
        if self.backups:
            result["backup_file"] = self.backups
        if self.module._diff:
            result["diff"] = self.diffs
        self.module.exit_json(**result)

    def has_ipv6(self, interface):
        rc, out, dummy = self.run([self.ip, "-j", "-6", "addr", "show", "dev", interface], check_rc=False)
        return rc == 0 and any(i["addresses"] for i in parse_ip_addr(out))


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
    try:
        MtuModule(module).main()
    except MtuError as exc:
        module.fail_json(msg=to_native(exc))


if __name__ == "__main__":
    main()
