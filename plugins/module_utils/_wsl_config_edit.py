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

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import (
    DEFAULT_NETWORKING_MODE_VALUES,
    NAME_RE,
    WSLCONF,
    WSLCONFIG,
    SchemaError,
    check_ascii,
    first_named,
    get_schema,
    same_name,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wslini import Document, WslIniError


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

    def __init__(self, kind, before, after, data, effective, warnings, policy_conflicts):
        self.kind = kind
        self.before = before                    # text before (decoded)
        self.after = after                      # text after (decoded)
        self.data = data                        # bytes to write (None when unchanged)
        self.changed = data is not None
        self.effective = effective
        self.warnings = warnings
        self.policy_conflicts = policy_conflicts
        self.restart_required = get_schema(kind).restart if self.changed else False

    def diff(self, path):
        return {"before": self.before, "after": self.after,
                "before_header": "%s (before)" % path, "after_header": "%s (after)" % path}

    def as_dict(self):
        # "warnings" is Ansible's own channel (shown, not kept in registered results since
        # ansible-core 2.19), so the list is also returned under a name of our own.
        return {"changed": self.changed, "effective": self.effective, "restart_required": self.restart_required,
                "config_warnings": list(self.warnings)}


def _requests(schema, settings, state, validate, warnings):
    if not isinstance(settings, dict):
        raise ConfigEditError("settings must be a dictionary of section -> key -> value, got %r" % (settings,))
    requests, seen = [], {}
    for section, keys in settings.items():
        if not isinstance(section, str) or not NAME_RE.match(section):
            raise ConfigEditError("settings: section %r is not a valid WSL section name (rule: a letter followed "
                                  "by letters or digits)" % (section,))
        if keys is None:
            keys = {}
        if not isinstance(keys, dict):
            raise ConfigEditError("settings.%s must be a dictionary of key -> value, got %r" % (section, keys))
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
                    raise ConfigEditError("%s: a value is required with state=present (use state=absent to remove "
                                          "the key)" % full)
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
                except SchemaError as exc:
                    raise ConfigEditError(str(exc))
            # New keys are written under the section the user named (the legacy [experimental]
            # spelling is theirs to choose), spelled the way the schema spells it.
            written_section, written_key = section, key
            if spec is not None:
                written_key = spec.name
                written_section = first_named((spec.section,) + spec.alias_sections, section) or section
            request = _Request(written_section, written_key, spec, text)
            if request.key_id in seen:
                raise ConfigEditError("settings: %s and %s are the same WSL key (aliases or different case); "
                                      "list it once" % (seen[request.key_id], full))
            seen[request.key_id] = full
            requests.append(request)
    return requests


def _same(spec, raw, text):
    if spec is None:
        return raw == text
    have = spec.type.compare_key(raw)
    return have is not None and have == spec.type.compare_key(text)


def read_config(data, kind, policies=None, label=None):
    """Parse file bytes (``None`` = missing) into ``{"effective", "warnings", "policy_overrides"}``.

    For readers such as ``wsl_info`` and drift reports; raises ``ConfigEditError`` when the bytes
    cannot be decoded.
    """
    try:
        doc = Document.from_bytes(data, kind, label)
    except WslIniError as exc:
        raise ConfigEditError(str(exc))
    scan = doc.scan()
    effective, overrides, warnings = _apply_policies(kind, scan.values, policies)
    return {"effective": effective, "warnings": scan.warnings + warnings, "policy_overrides": overrides}


def _policy_value(policies, name):
    for key, value in (policies or {}).items():
        if same_name(key, name):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


def _apply_policies(kind, values, policies):
    """Effective values once machine policies are applied, the overrides, and WSL's warnings for them."""
    effective = dict((s, dict(k)) for s, k in values.items())
    overrides, warnings = [], []
    if kind != WSLCONFIG or not policies:
        return effective, overrides, warnings
    schema = get_schema(kind)
    if _policy_value(policies, "AllowWSL") == 0:
        warnings.append("Machine policy AllowWSL=0 disables WSL on this computer")
    for policy in schema.policies:
        if _policy_value(policies, policy.name) != 0:
            continue
        for full in policy.overrides:
            spec = schema.lookup(full)
            current = effective.get(spec.section, {}).get(spec.name)
            if current is None:
                continue
            if policy.forced == "DefaultNetworkingMode":
                if current == "none":
                    continue  # WSL always lets a user turn networking off
                forced = DEFAULT_NETWORKING_MODE_VALUES.get(_policy_value(policies, "DefaultNetworkingMode"), "nat")
            else:
                forced = policy.forced
            if forced is not None and forced == current:
                continue
            overrides.append({"key": spec.full, "policy": policy.name, "requested": current, "effective": forced})
            warnings.append("The .wslconfig setting '%s' is disabled by the computer policy (%s=0)"
                            % (spec.full, policy.name))
            if forced is None:
                del effective[spec.section][spec.name]
            else:
                effective[spec.section][spec.name] = forced
    return effective, overrides, warnings


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
                entry = doc.scan(stop_at_invalid=False).occurrence.get(req.key_id)
                if entry is None:
                    doc.add_key(req.section, req.key, req.text)
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
    effective, overrides, policy_warnings = _apply_policies(kind, scan.values, policies)
    warnings.extend(scan.warnings)
    warnings.extend(policy_warnings)
    if state == "present":
        for req in requests:
            entry = scan.occurrence.get(req.key_id)
            if entry is None and scan.ignored_from is not None:
                warnings.append("%s.%s is written but WSL will not read it: parsing stops at line %d (%s)"
                                % (req.section, req.key, scan.ignored_from.line, scan.ignored_from.error))
    changed = after != before
    return EditResult(kind, before, after, doc.to_bytes() if changed else None, effective, warnings, overrides)


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
