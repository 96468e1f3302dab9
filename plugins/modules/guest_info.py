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
  - With O(baseline), also compares the guest with the state the roles would leave and returns
    every difference in RV(wslfleet_drift), the items the P(wslfleet.networking.drift_report#callback)
    callback reports. This is how C(wslfleet.networking.drift) checks a guest in one round trip; the
    MTU and the C(wsl.conf)/C(.wslconfig) keys are judged by the same code the
    M(wslfleet.networking.mtu), M(wslfleet.networking.wsl_conf) and M(wslfleet.networking.wslconfig)
    plugins decide with (the MTU in check mode, so an C(auto) MTU is probed, never set).
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
  baseline:
    description:
      - The state to compare the guest with; every part is optional and only given parts are
        compared. The C(baseline) role's C(drift) entry point builds it from the role variables.
    type: dict
    suboptions:
      networking_mode:
        description:
          - The networking mode the guest must see (effective state), one of C(none), C(nat), C(bridged),
            C(mirrored), C(virtioproxy), C(consomme) in any case. Anything else is refused before the guest is read.
        type: str
      restart_pending:
        description: Report a C(wsl.conf) changed after the distribution started.
        type: bool
        default: true
      wsl_conf:
        description: C(wsl.conf) keys as M(wslfleet.networking.wsl_conf) O(wslfleet.networking.wsl_conf#module:settings) takes them.
        type: dict
      wslconfig:
        description: C(.wslconfig) keys, read through the Windows drive mount as M(wslfleet.networking.wslconfig) does from a guest.
        type: dict
        suboptions:
          user:
            description: The Windows user owning the file.
            type: str
            required: true
          mount_root:
            description: Where the Windows system drive is mounted.
            type: str
            default: /mnt/c
          settings:
            description: Section -> key -> value.
            type: dict
            required: true
          exclusive:
            description: Keys of the managed sections that are not listed count as drift.
            type: bool
            default: false
      mtu:
        description: The M(wslfleet.networking.mtu) options the baseline applies.
        type: dict
        suboptions:
          interface:
            description: The interface.
            type: str
            default: eth0
          mtu:
            description: An MTU or C(auto).
            type: str
            required: true
          probe_host:
            description: The host probed for O(baseline.mtu.mtu=auto).
            type: str
          margin:
            description: Subtracted from a probed path MTU.
            type: int
            default: 0
          persist:
            description: How the MTU is kept across restarts.
            type: str
            default: auto
            choices: [auto, systemd, boot_command, none]
      dns_mode:
        description:
          - C(tunneling) expects WSL's own C(/etc/resolv.conf) symlink where WSL provides one;
            C(custom) expects a regular file (give its content as a O(baseline.files) entry).
        type: str
        choices: [tunneling, custom]
      ufw:
        description: The UFW baseline. Rules are matched against ufw's own rule store (C(user.rules), C(user6.rules)).
        type: dict
        suboptions:
          default_incoming:
            description: The default incoming policy.
            type: str
          default_outgoing:
            description: The default outgoing policy.
            type: str
          logging:
            description: The logging level.
            type: str
          rules:
            description: Allow rules that must exist.
            type: list
            elements: dict
            suboptions:
              port:
                description: A port or a range C(low:high); empty for any.
                type: str
              proto:
                description: C(tcp), C(udp) or C(any).
                type: str
                default: any
              from:
                description: A source address or network, C(any) when empty.
                type: str
              interface:
                description: The interface the rule is bound to.
                type: str
              direction:
                description: The direction.
                type: str
                default: in
                choices: [in, out]
              comment:
                description: The rule's comment; not compared.
                type: str
              mirrored_only:
                description: The rule is wanted only while the guest runs in mirrored mode.
                type: bool
                default: false
          management_ports:
            description: TCP ports of management connections that must be allowed.
            type: list
            elements: int
            default: []
          managed_comment:
            description:
              - The comment (or comment prefix, followed by a space) of the rules the baseline adds.
                Such rules that no wanted rule matches any more are drift, and are listed in
                C(stale_rules) of RV(ufw) for the role to delete. Empty leaves unwanted rules alone.
            type: str
          connection_ports:
            description:
              - Ports of the management connection to allow when this run did not come over SSH
                (or C(become) cleared C(SSH_CONNECTION)); over SSH the port sshd serves wins.
            type: list
            elements: int
            default: []
      files:
        description: Files that must exist as given.
        type: list
        elements: dict
        suboptions:
          path:
            description: The path.
            type: path
            required: true
          checksum:
            description: SHA-1 of the content.
            type: str
          link:
            description: The path must be a symlink to this target.
            type: str
          mode:
            description: The permissions, as an octal string.
            type: str
          owner:
            description: The owner's name.
            type: str
          group:
            description: The group's name.
            type: str
      services:
        description: systemd units that must be enabled and/or active.
        type: list
        elements: dict
        suboptions:
          name:
            description: The unit.
            type: str
            required: true
          enabled:
            description: Whether the unit must be enabled.
            type: bool
          active:
            description: Whether the unit must be running.
            type: bool
extends_documentation_fragment:
  - wslfleet.networking._attributes
  - wslfleet.networking._attributes.INFO_MODULE
attributes:
  platform:
    support: full
    platforms: posix
    description: Target OS/families that can be operated against.
notes:
  - With O(baseline), RV(wslfleet_drift) holds the differences and C(changed) stays false, as
    reading changes nothing. A drift task that wants C(changed) to mean "a rollout would change
    this" says so with C(changed_when).
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

- name: Tell what differs from a small baseline, in one round trip
  wslfleet.networking.guest_info:
    baseline:
      networking_mode: nat
      wsl_conf: {boot: {systemd: true}}
      mtu: {interface: eth0, mtu: "1400"}
      ufw:
        default_incoming: deny
        rules: [{port: "8080", proto: tcp}]
      services: [{name: wslfleet-relay.service, enabled: true, active: true}]
  register: drift

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
  description:
    - C(installed), C(active), default policies, C(logging); C(error) when C(ufw status) could not run.
    - With O(baseline.ufw), C(management_ports) are the TCP ports of management connections that
      must be allowed (the port C(SSH_CONNECTION) names, else O(baseline.ufw.connection_ports), plus
      O(baseline.ufw.management_ports)).
    - With O(baseline.ufw.managed_comment), C(stale_rules) lists the rules carrying that comment that
      no wanted rule matches any more (C(port), C(proto), C(from), C(interface), C(direction), C(action)).
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
wslfleet_drift:
  description:
    - Every difference from O(baseline), as C(setting), C(expected), C(actual) and C(category)
      (C(setting) for what a rollout would change, C(effective) for state no file shows,
      C(pending_restart) for a C(wsl.conf) change the running distribution has not picked up).
      Empty when the guest is in line.
  returned: when O(baseline) is given
  type: list
  elements: dict
  sample:
    - {setting: "/etc/wsl.conf [boot] systemd", expected: true, actual: false, category: setting}
    - {setting: eth0 MTU (live), expected: 1400, actual: 1500, category: setting}
diff:
  description: The file differences behind RV(wslfleet_drift), when diff mode is on.
  returned: when O(baseline) is given and diff mode is on
  type: list
  elements: dict
"""

import grp
import hashlib
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.wslfleet.networking.plugins.module_utils._guest_drift import (
    EFFECTIVE,
    PENDING_RESTART,
    config_items,
    file_items,
    item,
    mtu_items,
    parse_ufw_tuples,
    service_items,
    stale_rules,
    ufw_items,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._mtu import MtuError
from ansible_collections.wslfleet.networking.plugins.module_utils._mtu_task import MtuTask
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import (
    ConfigEditError,
    apply_settings,
    read_config,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import (
    NETWORKING_MODES,
    WSLCONF,
    WSLCONFIG,
    first_named,
    windows_profile_in_guest,
)
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
    result = _unit_state(module, service, systemd)
    result["service"] = service
    return result


def _unit_state(module, service, systemd):
    result = {"installed": False, "active": False, "enabled": False}
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


def _read_bytes(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _file_state(path):
    try:
        info = os.lstat(path)
    except OSError:
        return {"exists": False, "is_link": False}
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    state = {"exists": True, "is_link": stat.S_ISLNK(info.st_mode), "mode": "%04o" % stat.S_IMODE(info.st_mode),
             "owner": owner, "group": group}
    if state["is_link"]:
        state["link"] = os.readlink(path)
    elif stat.S_ISREG(info.st_mode):
        data = _read_bytes(path)
        state["checksum"] = hashlib.sha1(data).hexdigest() if data is not None else None
    return state


def _config_drift(path, kind, settings, exclusive=False):
    data = _read_bytes(path)
    edit = apply_settings(data, kind, settings, exclusive=exclusive, label=path)
    return config_items(path, kind, data, edit), ([edit.diff(path)] if edit.changed else [])


def _mtu_drift(module, wanted):
    params = dict(wanted, wsl_conf_path=module.params["wsl_conf_path"], backup=False)
    result = MtuTask(module, params, check_mode=True).run_task()
    return mtu_items(result), result["diff"]


def _ufw_drift(wanted, ufw, ssh_connection, mode):
    rules = [rule for rule in wanted["rules"] or [] if mode == "mirrored" or not rule["mirrored_only"]]
    # The management connection: the port sshd serves this session on (SSH_CONNECTION names sshd's
    # real port even behind a port proxy), else the connection's own port. The wsl_guest role
    # allows exactly these (ufw.management_ports), so it and drift runs cannot disagree.
    detected = [ssh_connection["server_port"]] if ssh_connection else wanted["connection_ports"]
    ports = sorted(set(detected) | set(wanted["management_ports"]))
    rules.extend({"port": str(port), "proto": "tcp", "direction": "in"} for port in ports)
    defaults = _read("/etc/default/ufw", "") or ""
    ipv6 = any(line.strip().replace('"', "").lower() == "ipv6=yes" for line in defaults.splitlines())
    expected = dict(wanted, rules=rules)
    rules_v4 = parse_ufw_tuples(_read("/etc/ufw/user.rules", ""))
    rules_v6 = parse_ufw_tuples(_read("/etc/ufw/user6.rules", ""))
    return (ufw_items(ufw, rules_v4, rules_v6, ipv6, expected),
            stale_rules(rules_v4, rules_v6, rules, wanted["managed_comment"]), ports)


def _baseline_drift(module, baseline, facts):
    """Every difference between the guest and ``baseline``: (items, diffs)."""
    items, diffs = [], []
    mode = baseline["networking_mode"]
    if mode and facts["networking_mode"] and facts["networking_mode"] != mode:
        items.append(item("networking mode (effective)", mode, facts["networking_mode"], EFFECTIVE))
    if baseline["restart_pending"] and facts["restart_pending"]:
        items.append(item("distribution restart (wsl.conf changed after the distribution started)", "done",
                          "pending", PENDING_RESTART))
    if baseline["wsl_conf"] is not None:
        found, diff = _config_drift(module.params["wsl_conf_path"], WSLCONF, baseline["wsl_conf"])
        items.extend(found)
        diffs.extend(diff)
    wslconfig = baseline["wslconfig"]
    if wslconfig is not None:
        profile = windows_profile_in_guest(wslconfig["mount_root"], wslconfig["user"])
        if os.path.isdir(profile):
            found, diff = _config_drift(profile + "/.wslconfig", WSLCONFIG, wslconfig["settings"],
                                        wslconfig["exclusive"])
            items.extend(found)
            diffs.extend(diff)
        else:
            items.append(item(profile + "/.wslconfig", "managed through the Windows drive mount",
                              "the profile directory %s is not there" % profile, EFFECTIVE))
    if baseline["mtu"] is not None:
        found, diff = _mtu_drift(module, baseline["mtu"])
        items.extend(found)
        diffs.extend(diff)
    if baseline["dns_mode"] == "tunneling" and "mnt_wsl" in facts["wsl_markers"] \
            and facts["resolv_conf"]["kind"] != "wsl_symlink":
        items.append(item("/etc/resolv.conf", "WSL's own symlink (DNS tunneling)", facts["resolv_conf"]["kind"]))
    if baseline["ufw"] is not None:
        found, facts["ufw"]["stale_rules"], facts["ufw"]["management_ports"] = _ufw_drift(
            baseline["ufw"], facts["ufw"], facts["ssh_connection"], facts["networking_mode"])
        items.extend(found)
    for wanted in baseline["files"] or []:
        items.extend(file_items(wanted, _file_state(wanted["path"])))
    for wanted in baseline["services"] or []:
        items.extend(service_items(wanted, _unit_state(module, wanted["name"], facts["systemd"])))
    return items, diffs


_UFW_RULE_SPEC = {
    "port": dict(type="str"),
    "proto": dict(type="str", default="any"),
    "from": dict(type="str"),
    "interface": dict(type="str"),
    "direction": dict(type="str", default="in", choices=["in", "out"]),
    "comment": dict(type="str"),
    "mirrored_only": dict(type="bool", default=False),
}

_BASELINE_SPEC = dict(
    networking_mode=dict(type="str"),
    restart_pending=dict(type="bool", default=True),
    wsl_conf=dict(type="dict"),
    wslconfig=dict(type="dict", options=dict(
        user=dict(type="str", required=True),
        mount_root=dict(type="str", default="/mnt/c"),
        settings=dict(type="dict", required=True),
        exclusive=dict(type="bool", default=False),
    )),
    mtu=dict(type="dict", options=dict(
        interface=dict(type="str", default="eth0"),
        mtu=dict(type="str", required=True),
        probe_host=dict(type="str"),
        margin=dict(type="int", default=0),
        persist=dict(type="str", default="auto", choices=["auto", "systemd", "boot_command", "none"]),
    )),
    dns_mode=dict(type="str", choices=["tunneling", "custom"]),
    ufw=dict(type="dict", options=dict(
        default_incoming=dict(type="str"),
        default_outgoing=dict(type="str"),
        logging=dict(type="str"),
        rules=dict(type="list", elements="dict", options=_UFW_RULE_SPEC),
        management_ports=dict(type="list", elements="int", default=[]),
        managed_comment=dict(type="str"),
        connection_ports=dict(type="list", elements="int", default=[]),
    )),
    files=dict(type="list", elements="dict", options=dict(
        path=dict(type="path", required=True),
        checksum=dict(type="str"),
        link=dict(type="str"),
        mode=dict(type="str"),
        owner=dict(type="str"),
        group=dict(type="str"),
    )),
    services=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        enabled=dict(type="bool"),
        active=dict(type="bool"),
    )),
)


def _check_baseline_input(module):
    """Refuse a baseline that could never match before anything is read from the guest."""
    baseline = module.params["baseline"] or {}
    mode = baseline.get("networking_mode")
    if mode is not None:
        known = first_named(NETWORKING_MODES, mode)
        if known is None:
            module.fail_json(msg="baseline.networking_mode: %r is not a WSL networking mode (rule: one of %s, any case); "
                                 "nothing was read" % (mode, ", ".join(NETWORKING_MODES)))
        # the guest reports modes in lower case
        baseline["networking_mode"] = known


def main():
    module = AnsibleModule(
        argument_spec=dict(
            automount_root=dict(type="path", default="/mnt/"),
            relay_service=dict(type="str", default="wslfleet-relay.service"),
            wsl_conf_path=dict(type="path", default="/etc/wsl.conf"),
            baseline=dict(type="dict", options=_BASELINE_SPEC),
        ),
        supports_check_mode=True,
    )
    _check_baseline_input(module)

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

    facts = dict(
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
    if module.params["baseline"] is not None:
        try:
            items, diffs = _baseline_drift(module, module.params["baseline"], facts)
        except (ConfigEditError, MtuError, ValueError) as exc:
            module.fail_json(msg="baseline: %s" % to_native(exc))
        facts["wslfleet_drift"] = items
        if module._diff:
            facts["diff"] = diffs
    module.exit_json(**facts)


if __name__ == "__main__":
    main()
