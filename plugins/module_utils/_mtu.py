# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""MTU rules of the ``mtu`` module: ranges, path MTU bisection, and the two ways to persist.

Pure functions (no I/O) so each rule is unit-tested on its own. Python >= 3.8, stdlib only.
"""

from __future__ import annotations

import re

MTU_FLOOR = 576      # the smallest datagram every IPv4 host must accept (RFC 791)
MTU_CEILING = 9000   # jumbo frames; nothing on a WSL path carries more
IPV6_MIN_MTU = 1280  # below this the kernel turns IPv6 off on the link (RFC 8200)
# IP + ICMP echo headers that ping's -s payload does not count.
PING_OVERHEAD = {4: 28, 6: 48}

# Interface names as the kernel accepts them (dev_valid_name): 1-15 bytes, no "/", ":" or space.
_IFNAME = re.compile(r"^(?!\.{1,2}$)[^/:\s]{1,15}$")
# The command this module puts into wsl.conf's [boot] command for one interface; recognised
# again whatever path of `ip` wrote it, so a re-run edits its own segment in place.
_SEGMENT = r"(?:\S*/)?ip link set dev %s mtu \d+"


class MtuError(ValueError):
    """Bad input or a state the module must not touch; raised before anything changes."""


def check_interface_name(name):
    if not isinstance(name, str) or not _IFNAME.match(name):
        raise MtuError("interface=%r is not a valid Linux interface name (1-15 characters, no '/', ':' or blanks)"
                       % (name,))
    return name


def parse_mtu_option(value):
    """``auto`` or an int; anything else is an error naming the value and the rule."""
    if isinstance(value, bool):
        raise MtuError("mtu=%r must be an integer or 'auto'" % (value,))
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lower() == "auto":
        return "auto"
    if re.match(r"^[0-9]+$", text):
        return int(text)
    raise MtuError("mtu=%r must be an integer or 'auto'" % (value,))


def allowed_range(link):
    """The MTUs this module sets on ``link``: 576-9000, narrowed by the interface's own limits.

    ``ip -d -j link`` reports ``min_mtu``/``max_mtu``; 0 or a missing value means "no limit".
    """
    low, high = MTU_FLOOR, MTU_CEILING
    if link.get("min_mtu"):
        low = max(low, int(link["min_mtu"]))
    if link.get("max_mtu"):
        high = min(high, int(link["max_mtu"]))
    return low, high


def check_mtu(mtu, link):
    low, high = allowed_range(link)
    if not low <= mtu <= high:
        raise MtuError("mtu=%d is out of range for %s: allowed %d-%d (this module allows %d-%d; %s itself accepts %s-%s)"
                       % (mtu, link["name"], low, high, MTU_FLOOR, MTU_CEILING, link["name"],
                          link.get("min_mtu") or "any", link.get("max_mtu") or "any"))
    return mtu


def bisect_path_mtu(fits, low, high):
    """Largest MTU in [low, high] for which ``fits(mtu)`` is true, with ``fits(low)`` known true.

    Path MTU is monotonic (a packet that fits, a smaller one fits too), so bisection finds it
    in about log2(high - low) probes.
    """
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def auto_target(current, path_mtu, margin, low):
    """What ``mtu: auto`` applies.

    ``path_mtu`` None means the whole path carried the interface's current MTU: nothing to
    lower, and the current MTU stays (so a second run after lowering it finds nothing new and
    changes nothing). Otherwise the discovered bottleneck minus ``margin``, not below ``low``.
    """
    if path_mtu is None:
        return current
    return max(low, path_mtu - margin)


def classify_ping(rc, output):
    """``fits``, ``too_big`` or ``lost`` for one don't-fragment ping (iputils, LC_ALL=C)."""
    if rc == 0:
        return "fits"
    if "message too long" in output or "Frag needed" in output or "Packet too big" in output:
        return "too_big"
    return "lost"


def systemd_escape(name):
    """systemd's escaping of one path element, as ``systemd-escape`` does it."""
    out = []
    for index, char in enumerate(name):
        if char == "/":
            out.append("-")
        elif char.isascii() and (char.isalnum() or char in ":_" or (char == "." and index > 0)):
            out.append(char)
        else:
            out.extend("\\x%02x" % byte for byte in char.encode("utf-8"))
    return "".join(out)


def unit_name(interface):
    return "wslfleet-mtu-%s.service" % systemd_escape(interface)


def render_unit(ip_path, interface, mtu):
    """The oneshot unit that sets the MTU at boot, ordered after the interface exists."""
    device = "sys-subsystem-net-devices-%s.device" % systemd_escape(interface)
    return (
        "# Managed by wslfleet.networking.mtu: edits here are replaced on the next run.\n"
        "[Unit]\n"
        "Description=Set the MTU of %(if)s to %(mtu)d (wslfleet.networking.mtu)\n"
        "After=%(dev)s network.target\n"
        "Wants=network.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "RemainAfterExit=yes\n"
        "ExecStart=%(ip)s link set dev %(if)s mtu %(mtu)d\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    ) % {"if": interface, "mtu": mtu, "dev": device, "ip": ip_path}


def boot_segment(ip_path, interface, mtu):
    return "%s link set dev %s mtu %d" % (ip_path, interface, mtu)


def merge_boot_command(existing, interface, segment):
    """The ``[boot] command`` that runs ``segment`` and everything the existing command ran.

    Our own earlier segment for this interface is replaced in place; another command is kept
    and ours is appended (after ``&`` with a space, else after ``;``). ``segment`` None removes
    our segment. A command with ``#`` is refused: what follows a shell comment would never run.
    """
    existing = (existing or "").strip()
    pattern = re.compile(_SEGMENT % re.escape(interface))
    match = pattern.search(existing)
    if match:
        if segment is not None:
            return existing[:match.start()] + segment + existing[match.end():]
        before = existing[:match.start()].rstrip()
        after = existing[match.end():].lstrip()
        before = before[:-1].rstrip() if before.endswith(";") else before
        after = after[1:].lstrip() if after.startswith(";") else after
        return _join(before, after) if before and after else (before or after)
    if segment is None or not existing:
        return segment if segment is not None else existing
    if "#" in existing:
        raise MtuError("wsl.conf [boot] command=%r contains '#': a command appended to it could end up in a "
                       "shell comment and never run; use persist=systemd or move that command into a script"
                       % existing)
    return _join(existing.rstrip(";").rstrip(), segment)


def _join(first, second):
    """``first`` then ``second`` in one sh command line (a trailing ``&`` already separates)."""
    if first.endswith("&") and not first.endswith("&&"):
        return "%s %s" % (first, second)
    return "%s; %s" % (first, second)
