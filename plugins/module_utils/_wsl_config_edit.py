# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Settings in, new file bytes out: the logic shared by ``wsl_conf`` and ``wslconfig``.

Both plugins only do I/O around ``apply_settings``: read the current bytes, call it, write
``result.data`` when ``result.changed``. Everything is validated before any edit is made, so a
``ConfigEditError`` always means nothing was written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat as statmod

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import (
    DEFAULT_NETWORKING_MODE_VALUES,
    NAME_RE,
    NETWORKING_MODE_ALIASES,
    WSLCONF,
    WSLCONFIG,
    SchemaError,
    check_ascii,
    first_named,
    get_schema,
    parse_size,
    same_name,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wslini import Document, WslIniError, encode_value


# The options every config-file plugin shares (docs: the _config_edit doc fragment).
EDIT_OPTIONS = dict(
    settings=dict(type="dict", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    exclusive=dict(type="bool", default=False),
    backup=dict(type="bool", default=False),
    validate=dict(type="str", choices=["strict", "warn"], default="strict"),
)


class ConfigEditError(ValueError):
    """Bad input or an unreadable file; nothing was (or may be) written."""


# Windows device names: a file so named is the device, whatever folder or extension it has.
_WINDOWS_DEVICES = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9]|CONIN\$|CONOUT\$)(\..*)?$", re.IGNORECASE)


def check_path_text(path, windows=False, what="path"):
    """Refuse a target path no config file can have, before anything touches the target.

    Empty, relative or NUL-containing paths, Windows device names and the ``\\\\.\\`` / ``\\\\?\\``
    device namespaces are refused with the rule; a relative path would depend on the remote
    working directory, and a device or pipe would make reading it hang.
    """
    if not isinstance(path, str) or path == "":
        raise ConfigEditError("%s: %r is not a file path (rule: an absolute path to the config file)" % (what, path))
    if "\0" in path:
        raise ConfigEditError("%s: %r contains a NUL character (rule: no path can hold NUL)" % (what, path))
    if windows:
        if path.startswith(("\\\\.\\", "\\\\?\\", "//./", "//?/")):
            raise ConfigEditError("%s: %r is in the Windows device namespace (rule: a regular file on a drive or "
                                  "share)" % (what, path))
        if not re.match(r"^([A-Za-z]:[\\/]|\\\\[^\\]+\\[^\\]+)", path):
            raise ConfigEditError("%s: %r is not absolute (rule: an absolute Windows path such as "
                                  "C:\\Users\\dev\\.wslconfig)" % (what, path))
        base = re.split(r"[\\/]", path.rstrip("\\/"))[-1]
        if _WINDOWS_DEVICES.match(base):
            raise ConfigEditError("%s: %r names the Windows device %s (rule: a regular file)"
                                  % (what, path, base.split(".")[0].upper()))
    elif not path.startswith("/"):
        raise ConfigEditError("%s: %r is not absolute (rule: an absolute path such as /etc/wsl.conf; a relative one "
                              "depends on the remote working directory)" % (what, path))


def check_file_type(path, file_type, what="path"):
    """Refuse anything but a regular file (or nothing yet) as the file to edit.

    ``file_type`` is ``absent``, ``file``, ``directory``, ``fifo``, ``character device``,
    ``block device``, ``socket``, ``symlink`` or ``broken symlink``. Reading a FIFO or a device
    would block or read endless bytes; a directory or socket is no config file.
    """
    if file_type in ("absent", "file"):
        return
    if file_type == "broken symlink":
        raise ConfigEditError("%s: %s is a symbolic link to nothing (rule: the link must lead to a regular file, "
                              "which is then edited); nothing was changed" % (what, path))
    raise ConfigEditError("%s: %s is a %s, not a regular file (rule: a config file must be a regular file or not "
                          "exist yet); nothing was changed" % (what, path, file_type))


def stat_file_type(stat):
    """``check_file_type``'s word for an ``ansible.builtin.stat`` / ``win_stat`` result (not following links)."""
    if not stat.get("exists"):
        return "absent"
    for key, word in (("islnk", "symlink"), ("isdir", "directory"), ("isfifo", "fifo"), ("ischr", "character device"),
                      ("isblk", "block device"), ("issock", "socket")):
        if stat.get(key):
            return word
    if stat.get("isreg") is False:
        return "special file"
    return "file"


def local_file_type(path):
    """``check_file_type``'s word for a local path, without following a final symlink."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "absent"
    if statmod.S_ISLNK(mode):
        return "symlink" if os.path.exists(path) else "broken symlink"
    for test, word in ((statmod.S_ISREG, "file"), (statmod.S_ISDIR, "directory"), (statmod.S_ISFIFO, "fifo"),
                       (statmod.S_ISCHR, "character device"), (statmod.S_ISBLK, "block device"),
                       (statmod.S_ISSOCK, "socket")):
        if test(mode):
            return word
    return "special file"


class _Request:
    __slots__ = ("section", "key", "spec", "text", "key_id")

    def __init__(self, section, key, spec, text):
        self.section = section
        self.key = key
        self.spec = spec
        self.text = text
        self.key_id = spec.id if spec else ("%s.%s" % (section, key)).lower()


class EditResult:
    """Outcome of ``apply_settings``; ``as_dict()`` gives the plugins' common return values."""

    def __init__(self, kind, before, after, data, effective, warnings, policy_conflicts, adjustments=(),
                 settings=None):
        self.kind = kind
        self.before = before                    # text before (decoded)
        self.after = after                      # text after (decoded)
        self.data = data                        # bytes to write (None when unchanged)
        self.changed = data is not None
        self.effective = effective
        self.warnings = warnings
        self.policy_conflicts = policy_conflicts
        self.adjustments = list(adjustments)
        self.settings = settings if settings is not None else effective   # the file as WSL parses it
        self.restart_required = get_schema(kind).restart if self.changed else False

    def diff(self, path):
        return {"before": self.before, "after": self.after,
                "before_header": "%s (before)" % path, "after_header": "%s (after)" % path}

    def as_dict(self):
        # "warnings" is Ansible's own channel (shown, not kept in registered results since
        # ansible-core 2.19), so the list is also returned under a name of our own.
        return {"changed": self.changed, "effective": self.effective, "restart_required": self.restart_required,
                "adjustments": list(self.adjustments), "config_warnings": list(self.warnings)}


def _requests(schema, settings, state, validate, warnings):
    if not isinstance(settings, dict):
        raise ConfigEditError("settings: %r is not a dictionary (rule: section -> key -> value)" % (settings,))
    requests, seen = [], {}
    for section, keys in settings.items():
        if not isinstance(section, str) or not NAME_RE.match(section):
            raise ConfigEditError("settings: section %r is not a valid WSL section name (rule: a letter followed "
                                  "by letters or digits)" % (section,))
        if keys is None:
            keys = {}
        if not isinstance(keys, dict):
            raise ConfigEditError("settings.%s: %r is not a dictionary (rule: section -> key -> value)" % (section, keys))
        for key, value in keys.items():
            if not isinstance(key, str) or not NAME_RE.match(key):
                raise ConfigEditError("settings.%s: key %r is not a valid WSL key name (rule: a letter followed "
                                      "by letters or digits; '_' and '-' make WSL reject the line)" % (section, key))
            full = "%s.%s" % (section, key)
            spec = schema.get(section, key)
            if spec is None:
                places = schema.sections_of(key)
                if places:
                    raise ConfigEditError("%s: WSL reads %s only under [%s], not under [%s] (rule: key in the wrong "
                                          "section is ignored by WSL as an unknown key)"
                                          % (full, key, "] or [".join(places), section))
                if validate == "strict":
                    raise ConfigEditError("%s: unknown key for %s (rule: strict validation; known keys of [%s]: %s; "
                                          "use validate=warn for keys this collection does not know yet)"
                                          % (full, schema.label, section, ", ".join(
                                              s.name for s in schema.keys if same_name(s.section, section))
                                              or "none"))
                warnings.append("%s is not a key this collection knows for %s; written as given, WSL may warn "
                                "'Unknown key'" % (full, schema.label))
            text = None
            if state == "present":
                if value is None:
                    raise ConfigEditError("%s: value None is not a setting (rule: state=present needs a value; use "
                                          "state=absent to remove the key)" % full)
                try:
                    if spec is not None:
                        text = spec.type.coerce(value, spec)
                    elif isinstance(value, bool):
                        text = "true" if value else "false"
                    elif isinstance(value, (str, int, float)):
                        text = str(value)
                    else:
                        raise SchemaError("%s: value %r is not a scalar" % (full, value))
                    check_ascii(full, text)
                    encode_value(text)
                except SchemaError as exc:
                    raise ConfigEditError(str(exc))
                except WslIniError as exc:
                    raise ConfigEditError("%s: %s" % (full, exc))
            # New keys are written under the section the user named (the legacy [experimental]
            # spelling is theirs to choose), spelled the way the schema spells it.
            written_section, written_key = section, key
            if spec is not None:
                written_key = spec.name
                written_section = first_named((spec.section,) + spec.alias_sections, section) or section
            request = _Request(written_section, written_key, spec, text)
            if request.key_id in seen:
                raise ConfigEditError("settings: %s and %s are the same WSL key (rule: list each WSL key once; aliases "
                                      "and different case count as the same key)" % (seen[request.key_id], full))
            seen[request.key_id] = full
            requests.append(request)
    return requests


def _same(spec, raw, text):
    if spec is None:
        return raw == text
    have = spec.type.compare_key(raw)
    return have is not None and have == spec.type.compare_key(text)


def read_config(data, kind, policies=None, label=None, host=None):
    """Parse file bytes (``None`` = missing) into what WSL makes of them.

    Returns ``{"settings", "effective", "adjustments", "warnings", "policy_overrides"}``:
    ``settings`` is the file as WSL parses it, ``effective`` the values WSL then uses once machine
    ``policies`` (``.wslconfig``) and WSL's own adjustments apply, ``adjustments`` each value that
    differs from the file with the reason. ``host`` (``{"processors": n, "memory": bytes}``), when
    known, lets processor and memory limits be worked out. For readers such as ``wsl_info`` and
    drift reports; raises ``ConfigEditError`` when the bytes cannot be decoded.
    """
    try:
        doc = Document.from_bytes(data, kind, label)
    except WslIniError as exc:
        raise ConfigEditError(str(exc))
    scan = doc.scan()
    view = effective_view(kind, scan.values, policies, host, scan.rejected)
    return {"settings": scan.values, "effective": view.effective, "adjustments": view.adjustments,
            "warnings": scan.warnings + view.warnings, "policy_overrides": view.overrides}


def _policy_value(policies, name):
    for key, value in (policies or {}).items():
        if same_name(key, name):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


class EffectiveView:
    """The values WSL uses, built from what it parsed (see ``effective_view``)."""

    def __init__(self, kind, values):
        self.schema = get_schema(kind)
        self.effective = dict((s, dict(k)) for s, k in values.items())
        self.adjustments = []
        self.overrides = []
        self.warnings = []

    def get(self, full):
        spec = self.schema.lookup(full)
        return self.effective.get(spec.section, {}).get(spec.name)

    def has(self, full):
        spec = self.schema.lookup(full)
        return spec.name in self.effective.get(spec.section, {})

    def put(self, full, value):
        spec = self.schema.lookup(full)
        if value is None:
            self.effective.get(spec.section, {}).pop(spec.name, None)
            if spec.section in self.effective and not self.effective[spec.section]:
                del self.effective[spec.section]
        else:
            self.effective.setdefault(spec.section, {})[spec.name] = value

    def adjust(self, full, value, reason):
        """WSL uses ``value`` (None = its built-in default) instead of what the file says."""
        spec = self.schema.lookup(full)
        before = self.get(full)
        if before == value and self.has(full) == (value is not None):
            return
        self.put(full, value)
        self.adjustments.append({"key": spec.full, "file": before, "value": value, "reason": reason})

    def policy_override(self, full, policy, value):
        spec = self.schema.lookup(full)
        self.overrides.append({"key": spec.full, "policy": policy, "requested": self.get(full), "effective": value})
        self.put(full, value)
        # WSL's own message (Localization: MessageSettingOverriddenByPolicy), then the policy.
        self.warnings.append("The .wslconfig setting '%s' is disabled by the computer policy. (%s=0)"
                             % (spec.full, policy))


def effective_view(kind, values, policies=None, host=None, rejected=()):
    """Apply machine policies and WSL's own adjustments to parsed ``values``; an ``EffectiveView``.

    The steps and their order follow WSL: ``Config::Initialize`` in WslCoreConfig.cpp for
    ``.wslconfig``, ``WslDistributionConfig`` and the guest's init for ``wsl.conf``. Adjustments
    touch keys the file sets, plus ``networkingMode``, which a policy or safe mode decides even
    when the file is silent.
    """
    view = EffectiveView(kind, values)
    if kind == WSLCONFIG:
        _wslconfig_adjustments(view, policies or {}, host or {}, rejected)
    else:
        _wslconf_adjustments(view)
    return view


_MIN_MEMORY = 256 << 20


def _wslconfig_adjustments(view, policies, host, rejected):
    if _policy_value(policies, "AllowWSL") == 0:
        view.warnings.append("Machine policy AllowWSL=0 disables WSL on this computer")
    if "experimental.dnstunnelingipaddress" in rejected and view.has("wsl2.dnsTunneling"):
        view.adjust("wsl2.dnsTunneling", False, "experimental.dnsTunnelingIpAddress is not an IPv4 address, "
                                                "which turns DNS tunneling off")
    if view.get("wsl2.networkingMode") in NETWORKING_MODE_ALIASES:
        view.adjust("wsl2.networkingMode", NETWORKING_MODE_ALIASES[view.get("wsl2.networkingMode")],
                    "VirtioProxy is WSL's former name for Consomme")

    processors = view.get("wsl2.processors")
    if processors is not None and processors <= 0:
        view.adjust("wsl2.processors", host.get("processors"),
                    "0 or less means every logical processor of the host")
    elif processors is not None and host.get("processors") and processors > host["processors"]:
        view.warnings.append("wsl2.processors cannot exceed the number of logical processors on the system (%d > %d)"
                             % (processors, host["processors"]))
        view.adjust("wsl2.processors", host["processors"], "more than the host's logical processors")

    memory = view.get("wsl2.memory")
    if memory is not None:
        size = parse_size(memory)
        if size == 0:
            half = host.get("memory") // 2 if host.get("memory") else None
            view.adjust("wsl2.memory", None if half is None else str(half),
                        "0 means WSL's default, half of the host's memory")
        elif size < _MIN_MEMORY:
            view.adjust("wsl2.memory", str(_MIN_MEMORY), "below WSL's minimum of 256MB, raised to it")
        elif host.get("memory") and size > host["memory"]:
            view.adjust("wsl2.memory", str(host["memory"]), "more than the host's memory, lowered to it")

    for full, policy, empty in (("wsl2.kernel", "AllowKernelUserSetting", None),
                                ("wsl2.kernelModules", "AllowKernelUserSetting", None),
                                ("wsl2.systemDistro", "AllowSystemDistroUserSetting", None),
                                ("wsl2.kernelCommandLine", "AllowKernelCommandLineUserSetting", None),
                                ("wsl2.kernelDebugPort", "AllowKernelDebugUserSetting", 0),
                                ("wsl2.nestedVirtualization", "AllowNestedVirtualization", False)):
        # WSL resets a setting to its empty value only when the user's value is not already empty.
        if view.get(full) not in (None, "", 0, False) and _policy_value(policies, policy) == 0:
            view.policy_override(full, policy, empty)

    default_mode = DEFAULT_NETWORKING_MODE_VALUES.get(_policy_value(policies, "DefaultNetworkingMode"), "nat")
    mode = view.get("wsl2.networkingMode")
    if mode is None:
        if default_mode != "nat":
            view.adjust("wsl2.networkingMode", default_mode, "not set in the file; the machine policy "
                        "DefaultNetworkingMode=%s makes it the default" % _policy_value(policies, "DefaultNetworkingMode"))
    elif mode not in ("none", default_mode) and _policy_value(policies, "AllowNetworkingModeUserSetting") == 0:
        # A user may always turn networking off.
        view.policy_override("wsl2.networkingMode", "AllowNetworkingModeUserSetting", default_mode)
    mode = view.get("wsl2.networkingMode") or "nat"

    if mode == "mirrored":
        if view.get("wsl2.firewall") is False:
            view.adjust("wsl2.firewall", True, "mirrored mode always runs with the Hyper-V firewall on")
    elif view.get("wsl2.firewall") is False and _policy_value(policies, "AllowFirewallUserSetting") == 0:
        # The policy only forces the firewall on; asking for it on is no conflict.
        view.policy_override("wsl2.firewall", "AllowFirewallUserSetting", True)

    if view.get("wsl2.safeMode") is True:
        view.warnings.append("SAFE MODE ENABLED - many features will be disabled")
        for full, value in (("wsl2.hostFileSystemAccess", False), ("wsl2.nestedVirtualization", False),
                            ("wsl2.hardwarePerformanceCounters", False), ("wsl2.gpuSupport", False),
                            ("wsl2.virtio", False), ("wsl2.guiApplications", False), ("wsl2.swap", "0"),
                            ("wsl2.kernel", None), ("wsl2.kernelModules", None), ("wsl2.dnsTunneling", False),
                            ("wsl2.autoProxy", False)):
            if view.has(full):
                view.adjust(full, value, "safe mode turns it off")
        view.adjust("wsl2.networkingMode", "none", "safe mode turns networking off")

    if view.get("wsl2.virtio") is False:
        for full, value in (("wsl2.virtio9p", False), ("wsl2.virtiofs", False), ("experimental.swiotlb", "0")):
            if view.has(full):
                view.adjust(full, value, "needs wsl2.virtio, which is off")
        if view.get("wsl2.networkingMode") == "consomme":
            fallback = "none" if default_mode == "consomme" else "nat"
            view.warnings.append("Consomme networking is not supported when wsl2.virtio is disabled; falling back to "
                                 "networkingMode %s." % fallback.capitalize())
            view.adjust("wsl2.networkingMode", fallback, "Consomme needs wsl2.virtio, which is off")
    if view.get("wsl2.virtio9p") is True:
        view.warnings.append("wsl2.virtio9p is disabled, falling back to 9p with vsock transport.")
        view.adjust("wsl2.virtio9p", False, "WSL no longer offers virtio9p; it falls back to 9p over vsock")

    mode = view.get("wsl2.networkingMode") or "nat"
    if mode not in ("nat", "mirrored", "consomme") and view.has("wsl2.dnsTunneling"):
        view.adjust("wsl2.dnsTunneling", False, "DNS tunneling needs nat, mirrored or consomme networking")
    if view.get("wsl2.dnsTunneling") is False:
        for full, value in (("experimental.bestEffortDnsParsing", False), ("experimental.dnsTunnelingIpAddress", None)):
            if view.has(full):
                view.adjust(full, value, "needs wsl2.dnsTunneling, which is off")
    if mode != "mirrored":
        for full, value in (("experimental.ignoredPorts", []), ("experimental.hostAddressLoopback", False)):
            if view.has(full):
                view.adjust(full, value, "counts only in mirrored networking mode (the mode is %s)" % mode)


def clean_hostname(name):
    """The host name WSL's init sets for ``name`` (its CleanHostname rules), or None for its default."""
    out = []
    dot = False
    for ch in name:
        if ch == ".":
            if dot or not out or out[-1] == "-":
                continue
            dot = True
            out.append(ch)
        elif ch == "-":
            if not out or out[-1] in "-.":
                continue
            out.append(ch)
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
    result = "".join(out)[:64].rstrip(".-")
    return result or None


def _wslconf_adjustments(view):
    root = view.get("automount.root")
    if root is not None and not root.endswith("/"):
        view.adjust("automount.root", root + "/", "WSL ends the mount root with a /")
    hostname = view.get("network.hostname")
    if hostname is not None and clean_hostname(hostname) != hostname:
        view.adjust("network.hostname", clean_hostname(hostname),
                    "WSL removes what Linux does not take in a host name (None = WSL's default name)")


def apply_settings(data, kind, settings, state="present", exclusive=False, validate="strict", policies=None,
                   label=None):
    """Compute the file ``kind`` (``wslconfig`` or ``wsl.conf``) after applying ``settings``.

    ``data`` is the current file content (bytes) or ``None`` when the file does not exist.
    ``settings`` maps section -> key -> value (any case; ``[experimental]`` aliases accepted).
    ``state=absent`` removes the listed keys (every occurrence; values are ignored).
    ``exclusive`` (present only) also removes keys of the listed sections that are not listed,
    and dead duplicates of listed keys. ``policies`` are the DWORDs under
    ``HKLM\\Software\\Policies\\WSL`` (name -> int) for ``.wslconfig``.

    Returns an ``EditResult``; raises ``ConfigEditError`` before anything changes on bad input.
    """
    if state not in ("present", "absent"):
        raise ConfigEditError("state must be present or absent, got %r" % (state,))
    if validate not in ("strict", "warn"):
        raise ConfigEditError("validate must be strict or warn, got %r" % (validate,))
    try:
        schema = get_schema(kind)
    except SchemaError as exc:
        raise ConfigEditError(str(exc))
    warnings = []
    requests = _requests(schema, settings, state, validate, warnings)
    try:
        doc = Document.from_bytes(data, kind, label)
        before = doc.text
        if state == "present":
            for req in requests:
                # In wsl.conf WSL stops at the first invalid line: a setting must land above it.
                stop = doc.scan().ignored_from
                entry = doc.scan(stop_at_invalid=False).occurrence.get(req.key_id)
                if entry is not None and stop is not None and entry.start > stop.start:
                    raise ConfigEditError(
                        "%s.%s is on line %d, after line %d (%s) where WSL stops reading %s, so WSL never sees "
                        "it (rule: wsl.conf is read only up to its first invalid line). Fix line %d first; nothing "
                        "was changed" % (req.section, req.key, entry.line, stop.line, stop.error, doc.label, stop.line))
                if entry is None:
                    doc.add_key(req.section, req.key, req.text, before=stop)
                elif not _same(req.spec, entry.value, req.text):
                    doc.set_value(entry, req.text)
            if exclusive:
                _make_exclusive(doc, requests, [s.lower() for s in settings])
        else:
            for req in requests:
                while True:
                    scan = doc.scan(stop_at_invalid=False)
                    entry = scan.occurrence.get(req.key_id)
                    if entry is None:
                        break
                    doc.remove(entry)
    except WslIniError as exc:
        raise ConfigEditError(str(exc))
    after = doc.text
    scan = doc.scan()
    view = effective_view(kind, scan.values, policies, rejected=scan.rejected)
    warnings.extend(scan.warnings)
    warnings.extend(view.warnings)
    changed = after != before
    return EditResult(kind, before, after, doc.to_bytes() if changed else None, view.effective, warnings,
                      view.overrides, view.adjustments, scan.values)


def _make_exclusive(doc, requests, sections):
    listed_sections = set(sections)
    listed = set(r.key_id for r in requests)
    schema = get_schema(doc.dialect)
    while True:
        scan = doc.scan(stop_at_invalid=False)
        victim = None
        for key_id in listed:
            dead = scan.duplicates.get(key_id)
            if dead:
                victim = dead[0]
                break
        if victim is None:
            for entry in doc.entries:
                if entry.kind != "key" or entry.section is None or entry.section.lower() not in listed_sections:
                    continue
                spec = schema.lookup(entry.full)
                key_id = spec.id if spec else entry.full.lower()
                if key_id not in listed:
                    victim = entry
                    break
        if victim is None:
            return
        doc.remove(victim)


__all__ = ["ConfigEditError", "EditResult", "apply_settings", "read_config", "WSLCONF", "WSLCONFIG"]
