# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How a guest differs from its baseline, as the drift items the ``drift_report`` callback reads.

``guest_info`` reads the guest once and hands what it read to these functions, so a drift run
costs one round trip per guest instead of one per setting. The rules that decide a difference
are the ones the changing modules use (the wsl.conf engine, ``MtuTask``); what is compared here
on its own is only what other collections' modules change (UFW rules, files, services).
Pure functions, Python >= 3.8, stdlib only.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import read_config

# The categories of plugin_utils/_drift.py: a setting a rollout would change, effective state no
# file shows, or a restart the restart policy left pending (reported apart from drift).
SETTING = "setting"
EFFECTIVE = "effective"
PENDING_RESTART = "pending_restart"

_ANY_V4 = "0.0.0.0/0"
_ANY_V6 = "::/0"


def item(setting, expected, actual, category=SETTING):
    return {"setting": setting, "expected": expected, "actual": actual, "category": category}


# ---- config files (wsl.conf, .wslconfig) ------------------------------------------------------

def config_items(path, kind, data, edit):
    """One item per key ``edit`` (an ``apply_settings`` result) would change in ``data``."""
    if not edit.changed:
        return []
    before = read_config(data, kind, label=path)["settings"] if data is not None else {}
    after = read_config(edit.data, kind, label=path)["settings"]
    items = []
    for section in sorted(set(before) | set(after)):
        old_keys = before.get(section, {})
        new_keys = after.get(section, {})
        for key in sorted(set(old_keys) | set(new_keys)):
            if old_keys.get(key) != new_keys.get(key):
                items.append(item("%s [%s] %s" % (path, section, key), new_keys.get(key), old_keys.get(key)))
    if not items:
        # Only keys WSL ignores would go (exclusive=true): the effective view cannot show them.
        items.append(item(path, "only the keys the baseline sets in its sections",
                          "keys WSL does not read, which the baseline removes"))
    return items


# ---- UFW -------------------------------------------------------------------------------------

def parse_ufw_tuples(text):
    """Rules ufw keeps in ``user.rules``/``user6.rules`` (its ``### tuple ###`` lines).

    Fields: action, protocol, destination port, destination, source port, source, then
    application names when the rule names one, then the direction with ``_<interface>`` when the
    rule is bound to an interface, then an optional ``comment=<hex>``.
    """
    rules = []
    for line in (text or "").splitlines():
        if not line.startswith("### tuple ###"):
            continue
        fields = line[len("### tuple ###"):].split()
        comments = [f[len("comment="):] for f in fields if f.startswith("comment=")]
        fields = [f for f in fields if not f.startswith("comment=")]
        if len(fields) < 7:
            continue
        direction, dummy, interface = fields[-1].partition("_")
        rules.append({"action": fields[0], "proto": fields[1], "port": fields[2], "to": fields[3],
                      "from": fields[5], "direction": direction, "interface": interface or None,
                      "app": len(fields) > 7, "comment": _decode_comment(comments[0]) if comments else None})
    return rules


def _decode_comment(text):
    # ufw stores comments hex-encoded so that they survive its own whitespace splitting.
    try:
        return bytes.fromhex(text).decode("utf-8", "replace")
    except ValueError:
        return text


def _source_family(source):
    if source in (None, "", "any"):
        return None
    try:
        return ipaddress.ip_network(source, strict=False).version
    except ValueError:
        raise ValueError("ufw rule from=%r is not an IPv4 or IPv6 address or network" % (source,))


def _same_source(wanted, have):
    if wanted in (None, "", "any"):
        return have in (_ANY_V4, _ANY_V6)
    try:
        return ipaddress.ip_network(wanted, strict=False) == ipaddress.ip_network(have, strict=False)
    except ValueError:
        return False


def _matches(rule, wanted):
    # An application profile's rule (`ufw allow OpenSSH`) is not the port rule the role adds.
    return (rule["action"] == "allow" and not rule["app"]
            and rule["direction"] == wanted.get("direction", "in")
            and (rule["interface"] or None) == (wanted.get("interface") or None)
            and rule["port"] == str(wanted.get("port") or "any")
            and rule["proto"] == (wanted.get("proto") or "any")
            and _same_source(wanted.get("from"), rule["from"]))


def describe_rule(wanted):
    parts = [wanted.get("action") or "allow", wanted.get("direction", "in")]
    if wanted.get("interface"):
        parts.append("on %s" % wanted["interface"])
    if wanted.get("port"):
        parts.append("%s/%s" % (wanted["port"], wanted.get("proto") or "any"))
    parts.append("from %s" % (wanted.get("from") or "any"))
    return " ".join(parts)


def _is_managed(rule, managed_comment):
    comment = rule.get("comment") or ""
    return bool(managed_comment) and (comment == managed_comment or comment.startswith(managed_comment + " "))


def stale_rules(rules_v4, rules_v6, wanted_rules, managed_comment):
    """Rules carrying ``managed_comment`` (added by the role) that no wanted rule matches any more.

    Returned once per rule as the role deletes it (an IPv4/IPv6 pair for any source is one rule).
    """
    stale, seen = [], set()
    for rule in list(rules_v4) + list(rules_v6):
        if rule["app"] or not _is_managed(rule, managed_comment):
            continue
        if any(_matches(rule, wanted) for wanted in wanted_rules):
            continue
        source = "any" if rule["from"] in (_ANY_V4, _ANY_V6) else rule["from"]
        found = {"port": None if rule["port"] == "any" else rule["port"], "proto": rule["proto"], "from": source,
                 "interface": rule["interface"], "direction": rule["direction"], "action": rule["action"]}
        key = tuple(sorted((k, str(v)) for k, v in found.items()))
        if key not in seen:
            seen.add(key)
            stale.append(found)
    return stale


def ufw_items(status, rules_v4, rules_v6, ipv6, expected):
    """Items for the UFW baseline.

    ``status``: ``guest_info``'s ``ufw`` result (``ufw status verbose``, the view
    community.general.ufw decides on). ``rules_v4``/``rules_v6``: parsed tuples. ``ipv6``:
    whether ufw also writes IPv6 rules (``IPV6=yes`` in /etc/default/ufw). ``expected`` holds
    every rule the role wants (``rules``) and ``managed_comment``, the comment prefix of the rules
    the role adds: those no rule wants any more are drift too.
    """
    if not status.get("installed"):
        return [item("ufw", "installed and active", "not installed")]
    items = []
    if not status.get("active"):
        items.append(item("ufw state", "active", "inactive"))
    for key, label in (("default_incoming", "incoming"), ("default_outgoing", "outgoing")):
        wanted = expected.get(key)
        if wanted and status.get(key) != wanted:
            items.append(item("ufw default %s policy" % label, wanted, status.get(key)))
    if expected.get("logging") and status.get("logging") != expected["logging"]:
        items.append(item("ufw logging", expected["logging"], status.get("logging")))
    for wanted in expected.get("rules") or []:
        family = _source_family(wanted.get("from"))
        tables = []
        if family in (None, 4):
            tables.append(rules_v4)
        if family == 6 or (family is None and ipv6):
            tables.append(rules_v6)
        if not all(any(_matches(rule, wanted) for rule in table) for table in tables):
            items.append(item("ufw rule %s" % describe_rule(wanted), "present", "missing"))
    for rule in stale_rules(rules_v4, rules_v6, expected.get("rules") or [], expected.get("managed_comment")):
        items.append(item("ufw rule %s" % describe_rule(rule), "absent (no longer declared)", "present"))
    return items


# ---- files and services ----------------------------------------------------------------------

def file_items(wanted, have):
    """Items for one file the baseline installs.

    ``wanted``: ``path`` and any of ``checksum`` (SHA-1 of the content), ``link`` (a symlink to
    this target), ``mode`` (octal string), ``owner``, ``group``. ``have``: what the guest shows
    (``exists``, ``is_link``, ``link``, ``checksum``, ``mode``, ``owner``, ``group``).
    """
    path = wanted["path"]
    if wanted.get("link"):
        if not have.get("is_link"):
            return [item(path, "symlink to %s" % wanted["link"], "regular file" if have.get("exists") else "missing")]
        if have.get("link") != wanted["link"]:
            return [item(path, "symlink to %s" % wanted["link"], "symlink to %s" % have.get("link"))]
        return []
    if have.get("is_link"):
        return [item(path, "regular file", "symlink to %s" % have.get("link"))]
    if not have.get("exists"):
        return [item(path, "present", "missing")]
    items = []
    if wanted.get("checksum") and have.get("checksum") != wanted["checksum"]:
        items.append(item("%s content" % path, "sha1 %s" % wanted["checksum"], "sha1 %s" % have.get("checksum")))
    if wanted.get("mode") and have.get("mode") != "%04o" % int(str(wanted["mode"]), 8):
        items.append(item("%s mode" % path, "%04o" % int(str(wanted["mode"]), 8), have.get("mode")))
    for key in ("owner", "group"):
        if wanted.get(key) and have.get(key) != wanted[key]:
            items.append(item("%s %s" % (path, key), wanted[key], have.get(key)))
    return items


def service_items(wanted, have):
    """Items for one systemd unit: ``enabled``/``active`` as wanted (None: not checked)."""
    name = wanted["name"]
    if not have.get("installed"):
        return [item("service %s" % name, "installed", "not installed")]
    items = []
    # Whether a unit runs is effective state (a crash, a manual stop); whether it starts at boot
    # is a setting a rollout writes.
    for key, yes, no, category in (("active", "active", "inactive", EFFECTIVE),
                                   ("enabled", "enabled", "disabled", SETTING)):
        if wanted.get(key) is not None and bool(have.get(key)) != bool(wanted[key]):
            items.append(item("service %s %s" % (name, key), yes if wanted[key] else no,
                              yes if have.get(key) else no, category))
    return items


def mtu_items(result):
    """Items from a check-mode ``MtuTask`` result: the live MTU, then each persisted part."""
    items = []
    if result["previous_mtu"] != result["mtu"]:
        items.append(item("%s MTU (live)" % result["interface"], result["mtu"], result["previous_mtu"]))
    for diff in result.get("diff") or []:
        header = diff.get("before_header", "")
        if header.endswith("(live)"):
            continue
        path = header.replace(" (before)", "")
        items.append(item("%s (MTU %d of %s kept across restarts)" % (path, result["mtu"], result["interface"]),
                          "as the mtu module writes it", "missing" if not diff.get("before") else "differs"))
    for command in result.get("commands") or []:
        if command.startswith("systemctl enable ") or command.startswith("systemctl disable "):
            unit = command.split()[-1]
            wanted = "enabled" if command.startswith("systemctl enable ") else "disabled"
            items.append(item("service %s" % unit, wanted, "disabled" if wanted == "enabled" else "enabled"))
    return items
