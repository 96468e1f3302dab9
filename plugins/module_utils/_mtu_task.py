# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the ``mtu`` module does on a guest, as a class both ``mtu`` and ``guest_info`` run.

``guest_info`` runs it in check mode to tell MTU drift, so a drift report and a rollout decide
with the same code. The pure rules live in ``_mtu``; this file does the I/O.
"""

from __future__ import annotations

import os
import socket
import tempfile

from ansible.module_utils.common.text.converters import to_bytes

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


class MtuTask:
    """The ``mtu`` module's work, also run (always in check mode) by ``guest_info`` for drift.

    ``params`` are the ``mtu`` module's options; nothing changes when ``check_mode`` is true.
    Failures raise ``MtuError``; the caller turns them into its own failure.
    """

    def __init__(self, module, params=None, check_mode=None):
        self.module = module
        self.params = module.params if params is None else params
        self.check_mode = module.check_mode if check_mode is None else check_mode
        self.commands = []
        self.diffs = []
        self.backups = []
        self.changed = False
        self.ip = module.get_bin_path("ip", required=True)

    # --- running things -------------------------------------------------------------------

    def run(self, argv, check_rc=True):
        rc, out, err = self.module.run_command(argv, environ_update=_C_LOCALE)
        if check_rc and rc != 0:
            raise MtuError("%s failed (rc=%s): %s" % (" ".join(argv), rc, (err or out).strip()))
        return rc, out, err

    def change(self, argv):
        """Run a state-changing command, or only record it in check mode."""
        self.commands.append(" ".join(argv))
        self.changed = True
        if not self.check_mode:
            self.run(argv)

    def write_file(self, path, data, mode):
        """Atomically replace ``path`` (owner/mode kept when it exists), with an optional backup."""
        self.changed = True
        if self.check_mode:
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
        if self.check_mode:
            return
        if self.params["backup"]:
            self.backups.append(self.module.backup_local(path))
        os.remove(path)

    # --- reading --------------------------------------------------------------------------

    def link(self, interface):
        rc, out, err = self.run([self.ip, "-d", "-j", "link", "show", "dev", interface], check_rc=False)
        link = parse_link(out, interface) if rc == 0 else None
        if link is None:
            raise MtuError("interface=%s does not exist on this host: %s" % (interface, (err or out).strip()))
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

    def run_task(self):
        """Plan, then change what differs (nothing in check mode); returns the module's result."""
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
        result["diff"] = self.diffs
        return result

    def has_ipv6(self, interface):
        rc, out, dummy = self.run([self.ip, "-j", "-6", "addr", "show", "dev", interface], check_rc=False)
        return rc == 0 and any(i["addresses"] for i in parse_ip_addr(out))
