#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: guest_info
short_description: Read what a Linux guest shows about its WSL networking
description:
  - Reports whether the host is a WSL guest and which markers said so, the WSL version and
    networking mode as seen from inside, interfaces with addresses and MTU, the default gateway
    (the Windows host in NAT mode), who owns C(/etc/resolv.conf), whether systemd is PID 1, the
    UFW state, the relay service state, and whether C(/etc/wsl.conf) changed since the
    distribution started (a restart is pending).
  - 'The WSL rule: a host is WSL when a B(kernel) marker is present: the kernel release contains
    C(microsoft), or WSL''s C(WSLInterop) binfmt handler is registered. Userspace markers
    (C(/run/WSL), C(/mnt/wsl), C(wslinfo), C(WSL_DISTRO_NAME)) are reported but alone give
    RV(is_wsl=false) with RV(wsl_evidence=userspace): any image or container can carry those files.'
  - Never changes anything. Runs C(ip), C(ufw), C(systemctl) and C(wslinfo) only to read.
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
options:
  automount_root:
    description:
      - Where WSL mounts Windows drives and its shared C(wsl) directory (C([automount] root) of
        C(wsl.conf)). Used to recognise WSL's C(resolv.conf) symlink.
    type: path
    default: /mnt/
  relay_service:
    description: The systemd unit of the relay daemon whose state is reported.
    type: str
    default: wslfleet-relay.service
  wsl_conf_path:
    description: The C(wsl.conf) whose modification time decides RV(restart_pending).
    type: path
    default: /etc/wsl.conf
extends_documentation_fragment:
  - wslfleet.networking._attributes
  - wslfleet.networking._attributes.INFO_MODULE
attributes:
  platform:
    support: full
    platforms: posix
    description: Target OS/families that can be operated against.
notes:
  - Reading the UFW state needs root (C(become)); without it C(active) in RV(ufw) comes from
    C(/etc/ufw/ufw.conf) and C(error) in RV(ufw) says why C(ufw status) could not run.
seealso:
  - module: wslfleet.networking.mtu
  - module: wslfleet.networking.wsl_info
"""

EXAMPLES = r"""
- name: Read the guest's view of WSL networking
  wslfleet.networking.guest_info:
  register: guest

- name: Stop on a host that is not WSL
  ansible.builtin.assert:
    that: guest.is_wsl
    fail_msg: "Not a WSL guest (markers seen: {{ guest.wsl_markers }})"

- name: Show the Windows host as the guest sees it in NAT mode
  ansible.builtin.debug:
    msg: "Windows host: {{ guest.windows_host_address }}"
  when: guest.networking_mode == 'nat'
"""

RETURN = r"""
is_wsl:
  description: Whether a kernel marker of WSL is present (the rule in the description).
  returned: always
  type: bool
  sample: true
wsl_evidence:
  description: C(kernel) when a kernel marker was seen, C(userspace) when only userspace markers were, C(none) otherwise.
  returned: always
  type: str
  sample: kernel
wsl_markers:
  description:
    - Markers seen, out of C(kernel_osrelease), C(binfmt_wslinterop), C(run_wsl), C(mnt_wsl), C(wslinfo), C(wsl_distro_name).
  returned: always
  type: list
  elements: str
  sample: [kernel_osrelease, binfmt_wslinterop, run_wsl, mnt_wsl, wslinfo]
wsl_generation:
  description: 1 or 2 from the kernel release string; null when no kernel marker was seen.
  returned: always
  type: int
  sample: 2
wsl_version:
  description: The WSL package version from C(wslinfo --version), null without C(wslinfo).
  returned: always
  type: str
  sample: 2.5.10
kernel_release:
  description: The running kernel's release string.
  returned: always
  type: str
  sample: 5.15.167.4-microsoft-standard-WSL2
networking_mode:
  description: The networking mode as seen from inside (C(nat), C(mirrored), ...), null on a host that is not WSL.
  returned: always
  type: str
  sample: nat
networking_mode_source:
  description: C(wslinfo) (WSL's own answer), C(interfaces) (inferred from C(loopback0)) or C(kernel) (WSL1).
  returned: always
  type: str
  sample: wslinfo
interfaces:
  description: Every interface with state, MTU and its limits, MAC and addresses.
  returned: always
  type: list
  elements: dict
  sample:
    - name: eth0
      state: UP
      up: true
      mtu: 1500
      min_mtu: 68
      max_mtu: 65535
      mac: "00:15:5d:3a:10:2b"
      kind: null
      addresses: [{family: ipv4, address: 172.28.117.45, prefixlen: 20, scope: global}]
default_gateway:
  description: The IPv4 default route as C(gateway) and C(interface), null without one.
  returned: always
  type: dict
  sample: {gateway: 172.28.112.1, interface: eth0}
default_gateway_v6:
  description: The IPv6 default route as C(gateway) and C(interface), null without one.
  returned: always
  type: dict
windows_host_address:
  description: In NAT mode the IPv4 default gateway, which is the Windows host (reference §6.2); null otherwise.
  returned: always
  type: str
  sample: 172.28.112.1
resolv_conf:
  description:
    - Who owns C(/etc/resolv.conf). C(kind) is C(wsl_symlink), C(symlink), C(file) or C(missing);
      C(generated_by_wsl) whether the content carries WSL's header; C(dns_tunneling) whether a
      nameserver is an address on C(lo) (WSL's DNS tunneling listener).
  returned: always
  type: dict
  sample:
    path: /etc/resolv.conf
    kind: wsl_symlink
    target: /mnt/wsl/resolv.conf
    generated_by_wsl: true
    dns_tunneling: true
    nameservers: [10.255.255.254]
    search: [corp.example.com]
    options: []
systemd:
  description: C(pid1) whether systemd is PID 1, C(state) the answer of C(systemctl is-system-running).
  returned: always
  type: dict
  sample: {pid1: true, state: running}
ufw:
  description: C(installed), C(active), default policies, C(logging); C(error) when C(ufw status) could not run.
  returned: always
  type: dict
  sample: {installed: true, active: true, default_incoming: deny, default_outgoing: allow, default_routed: disabled, logging: low}
relay:
  description: C(service), C(installed), C(active) and C(enabled) of the relay's systemd unit.
  returned: always
  type: dict
  sample: {service: wslfleet-relay.service, installed: true, active: true, enabled: true}
ssh_connection:
  description: The SSH connection this module came through (from C(SSH_CONNECTION)), null otherwise or when C(become) cleared it.
  returned: always
  type: dict
  sample: {client: 192.0.2.10, client_port: 51234, server: 192.0.2.20, server_port: 22}
wsl_conf:
  description:
    - C(path), C(exists), C(mtime) of C(wsl.conf), C(distribution_started) (epoch seconds of PID 1's start),
      and C(effective), the settings as WSL reads them (section -> key -> value, read by the collection's
      wsl.conf engine), with C(warnings) for lines WSL would ignore; C(error) when the file cannot be read.
  returned: always
  type: dict
  sample:
    path: /etc/wsl.conf
    exists: true
    mtime: 1763782000.0
    distribution_started: 1763780000.52
    effective: {boot: {systemd: true, command: /usr/sbin/ip link set dev eth0 mtu 1400}, network: {generateResolvConf: true}}
    warnings: []
restart_pending:
  description: True when C(wsl.conf) was modified after the distribution started, so the running instance does not use it yet.
  returned: always
  type: bool
  sample: false
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import ConfigEditError, read_config
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import WSLCONF
from ansible_collections.wslfleet.networking.plugins.module_utils._guest import (
    classify_resolv_conf,
    detect_wsl,
    infer_networking_mode,
    parse_default_route,
    parse_ip_addr,
    parse_ssh_connection,
    parse_ufw_conf,
    parse_ufw_status,
    process_start_epoch,
)

_C_LOCALE = {"LANGUAGE": "C", "LC_ALL": "C", "LANG": "C"}


def _read(path, default=None):
    try:
        with open(path, "r") as handle:
            return handle.read()
    except (IOError, OSError):
        return default


def _run(module, argv):
    """(rc, stdout, stderr) of a read-only command; rc None when the program is missing."""
    path = module.get_bin_path(argv[0])
    if not path:
        return None, "", "%s not found" % argv[0]
    return module.run_command([path] + argv[1:], environ_update=_C_LOCALE)


def _wsl_markers(module):
    try:
        binfmt = os.listdir("/proc/sys/fs/binfmt_misc")
    except OSError:
        binfmt = []
    osrelease = (_read("/proc/sys/kernel/osrelease", "") or "").strip()
    wsl = detect_wsl(
        osrelease=osrelease,
        binfmt_entries=binfmt,
        run_wsl=os.path.isdir("/run/WSL"),
        mnt_wsl=os.path.isdir(os.path.join(module.params["automount_root"], "wsl")),
        wslinfo_path=module.get_bin_path("wslinfo"),
        distro_name=os.environ.get("WSL_DISTRO_NAME"),
    )
    wsl["kernel_release"] = osrelease
    return wsl


def _wslinfo(module, flag):
    rc, out, dummy = _run(module, ["wslinfo", flag])
    return out.strip() if rc == 0 else None


def _systemd(module):
    comm = (_read("/proc/1/comm", "") or "").strip()
    pid1 = comm == "systemd" and os.path.isdir("/run/systemd/system")
    state = None
    if pid1:
        # is-system-running exits non-zero for "degraded" and friends; the word is what matters.
        dummy, out, dummy2 = _run(module, ["systemctl", "is-system-running"])
        state = out.strip() or None
    return {"pid1": pid1, "state": state}


def _ufw(module):
    conf = parse_ufw_conf(_read("/etc/ufw/ufw.conf", ""))
    installed = bool(module.get_bin_path("ufw"))
    result = {"installed": installed, "active": conf["enabled"] if installed else False, "logging": conf["logging"]}
    if not installed:
        return result
    rc, out, err = _run(module, ["ufw", "status", "verbose"])
    if rc == 0:
        result.update(parse_ufw_status(out))
    else:
        result["error"] = (err or out).strip() or "ufw status exited with %s" % rc
    return result


def _relay(module, service, systemd):
    result = {"service": service, "installed": False, "active": False, "enabled": False}
    if not systemd["pid1"]:
        return result
    rc, out, dummy = _run(module, ["systemctl", "show", "--property=LoadState,ActiveState,UnitFileState", "--", service])
    if rc != 0:
        return result
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    result["installed"] = props.get("LoadState") == "loaded"
    result["active"] = props.get("ActiveState") == "active"
    result["enabled"] = props.get("UnitFileState") == "enabled"
    return result


def _wsl_conf(path):
    started = process_start_epoch(_read("/proc/stat", ""), _read("/proc/1/stat", ""), os.sysconf("SC_CLK_TCK"))
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = None
    info = {"path": path, "exists": mtime is not None, "mtime": mtime, "distribution_started": started,
            "effective": {}, "warnings": []}
    if mtime is not None:
        try:
            with open(path, "rb") as handle:
                parsed = read_config(handle.read(), WSLCONF, label=path)
            info.update(effective=parsed["effective"], warnings=parsed["warnings"])
        except (IOError, OSError, ConfigEditError) as exc:
            info["error"] = "cannot read %s: %s" % (path, exc)
    pending = mtime is not None and started is not None and mtime > started
    return info, pending


def main():
    module = AnsibleModule(
        argument_spec=dict(
            automount_root=dict(type="path", default="/mnt/"),
            relay_service=dict(type="str", default="wslfleet-relay.service"),
            wsl_conf_path=dict(type="path", default="/etc/wsl.conf"),
        ),
        supports_check_mode=True,
    )

    wsl = _wsl_markers(module)
    rc, out, err = _run(module, ["ip", "-d", "-j", "addr", "show"])
    if rc != 0:
        module.fail_json(msg="cannot list interfaces with ip -j addr: %s" % (err or out).strip())
    try:
        interfaces = parse_ip_addr(out)
        default4 = parse_default_route(_run(module, ["ip", "-j", "-4", "route", "show", "default"])[1])
        default6 = parse_default_route(_run(module, ["ip", "-j", "-6", "route", "show", "default"])[1])
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    wslinfo_mode = _wslinfo(module, "--networking-mode") if "wslinfo" in wsl["markers"] else None
    mode, mode_source = infer_networking_mode(wslinfo_mode, interfaces, wsl)

    resolv = "/etc/resolv.conf"
    lo_addresses = [a["address"] for i in interfaces if i["name"] == "lo" for a in i["addresses"]]
    resolv_conf = classify_resolv_conf(
        is_link=os.path.islink(resolv),
        exists=os.path.exists(resolv),
        link_target=os.readlink(resolv) if os.path.islink(resolv) else None,
        content=_read(resolv, ""),
        automount_root=module.params["automount_root"],
        lo_addresses=lo_addresses,
    )
    systemd = _systemd(module)
    wsl_conf, pending = _wsl_conf(module.params["wsl_conf_path"])

    module.exit_json(
        changed=False,
        is_wsl=wsl["is_wsl"],
        wsl_evidence=wsl["evidence"],
        wsl_markers=wsl["markers"],
        wsl_generation=wsl["wsl_generation"],
        wsl_version=_wslinfo(module, "--version") if "wslinfo" in wsl["markers"] else None,
        kernel_release=wsl["kernel_release"],
        networking_mode=mode,
        networking_mode_source=mode_source,
        interfaces=interfaces,
        default_gateway=default4,
        default_gateway_v6=default6,
        windows_host_address=default4["gateway"] if mode == "nat" and default4 else None,
        resolv_conf=resolv_conf,
        systemd=systemd,
        ufw=_ufw(module),
        relay=_relay(module, module.params["relay_service"], systemd),
        ssh_connection=parse_ssh_connection(os.environ.get("SSH_CONNECTION")),
        wsl_conf=wsl_conf,
        restart_pending=pending,
    )


if __name__ == "__main__":
    main()
