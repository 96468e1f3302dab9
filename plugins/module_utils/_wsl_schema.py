# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What WSL knows about its two config files: every key, its section, type and rules.

This is the one place in the collection that holds these facts, taken from WSL's own parser and
config source (WslCoreConfig.cpp, configfile.cpp) and Microsoft's documentation of the files.
Everything else imports it.

Each key has a *value type* that knows two things:
  * ``read(raw)``: how WSL itself interprets the unescaped text it found in the file
    (returns ``(ok, value, message)``; ``value`` is what ``effective`` reports), and
  * ``coerce(value)``: how a value a user asked for becomes the exact text to write, or a
    ``SchemaError`` naming the rule it broke. Only spellings WSL accepts are written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import (
    MIRRORED_MIN_TEXT,
    WINDOWS11_FIRST_BUILD,
)


def same_name(a, b):
    """WSL compares section and key names (and enum values) with strcasecmp: ASCII, any case."""
    return a.lower() == b.lower()


def first_named(items, name, get_name=lambda item: item):
    """The first of ``items`` whose name is ``name`` the way WSL compares names, or None."""
    for item in items:
        if same_name(get_name(item), name):
            return item
    return None


SIZE_RE = re.compile(r"^([0-9]+)(B|K|KB|M|MB|G|GB|T|TB)?\Z")
_SIZE_FACTORS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20,
                 "G": 1 << 30, "GB": 1 << 30, "T": 1 << 40, "TB": 1 << 40}
_MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$")
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")
_INT_MIN, _INT_MAX = -(1 << 31), (1 << 31) - 1

WSLCONFIG = "wslconfig"
WSLCONF = "wsl.conf"


def windows_profile_in_guest(mount_root, user):
    """A Windows user's profile directory as a WSL guest sees it through the drive mount.

    ``.wslconfig`` lives in it; ``mount_root`` is the mount of the system drive
    (``/mnt/c`` unless ``[automount] root`` says otherwise).
    """
    return "%s/Users/%s" % (mount_root.rstrip("/"), user)


class SchemaError(ValueError):
    """A value or key a user asked for that WSL would not read as meant."""


def _is_ascii_text(value):
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        return False
    return True


_C_SPACE = " \t\n\v\f\r"


def parse_c_long(text, long_bits=64):
    """Parse like C ``strtol(text, &end, 0)`` plus WSL's checks: whole text, fits a 32-bit int.

    Returns the number or None. Leading zero means octal, ``0x`` hex. ``long_bits`` is the size of
    C ``long`` where WSL runs the parser: 32 on Windows (``.wslconfig``), 64 in the Linux guest
    (``wsl.conf``). ``strtol`` clamps an overflow to the largest ``long``; on Windows that is the
    largest int, so WSL accepts it there, while in the guest it is out of range and refused.
    """
    number = _c_long_value(text)
    if number is None:
        return None
    long_min, long_max = -(1 << (long_bits - 1)), (1 << (long_bits - 1)) - 1
    number = max(long_min, min(long_max, number))
    if number < _INT_MIN or number > _INT_MAX:
        return None
    return number


def _c_long_value(text):
    """The number ``strtol(text, &end, 0)`` spells when it reads the whole text, without limits; or None."""
    i, n = 0, len(text)
    while i < n and text[i] in _C_SPACE:
        i += 1
    sign = 1
    if i < n and text[i] in "+-":
        sign = -1 if text[i] == "-" else 1
        i += 1
    digits = text[i:]
    if not digits:
        return None
    if digits[:2] in ("0x", "0X") and len(digits) > 2:
        base, body = 16, digits[2:]
    elif digits[0] == "0" and len(digits) > 1:
        base, body = 8, digits[1:]
    else:
        base, body = 10, digits
    allowed = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[base]
    if not body or any(c not in allowed for c in body):
        return None
    return sign * int(body, base)


_U64 = 1 << 64


def parse_size(text):
    """Bytes for a WSL memory string (``8GB``, ``512M``, ``1073741824``) as WSL computes them, or None.

    WSL reads the number with ``strtoull`` (leading blanks and a sign allowed, a minus wraps
    around, an overflow gives the largest 64-bit number), takes a lone ``0`` only as exactly that,
    and accepts the suffixes B, K, KB, M, MB, G, GB, T, TB (upper case only). The product wraps at
    64 bits like WSL's unsigned arithmetic.
    """
    i, n = 0, len(text)
    while i < n and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    j = i
    while j < n and "0" <= text[j] <= "9":
        j += 1
    if j == i:
        value, end = 0, 0
    else:
        value, end = int(text[i:j]), j
        if value >= _U64:
            value = _U64 - 1
        elif negative:
            value = (_U64 - value) % _U64
    if value == 0 and (not text.startswith("0") or end != 1):
        return None
    rest = text[end:]
    if rest not in _SIZE_FACTORS:
        return None
    return (value * _SIZE_FACTORS[rest]) % _U64


def _is_ipv4(text):
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        # inet_pton: 1-3 decimal digits, 0-255, no leading zeros beyond a lone "0".
        if not part.isdigit() or len(part) > 3 or (len(part) > 1 and part[0] == "0") or int(part) > 255:
            return False
    return True


class ValueType:
    """Base of the value types; ``name`` is what docs and messages call it.

    ``read(raw, key, at, long_bits)`` returns ``(ok, value, warnings)``: whether WSL takes the
    value, the value WSL uses, and WSL's own warnings for it (its wording, so users can search
    for them; ``key`` is the key as written, ``at`` the ``file:line``).
    """

    name = "string"

    def read(self, raw, key="?", at="?", long_bits=64):
        return True, raw, []

    def compare_key(self, raw):
        ok, value, dummy = self.read(raw)
        return value if ok else None

    def coerce(self, value, spec):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise SchemaError("%s: value %r is not a string (rule: %s takes text)" % (spec.full, value, self.name))
        text = str(value)
        if self.max_length is not None and len(text) > self.max_length:
            raise SchemaError("%s: value of %d characters is longer than %s (rule: %s)"
                              % (spec.full, len(text), self.max_length, self.length_rule))
        if self.pattern is not None and not self.pattern.match(text):
            raise SchemaError("%s: value %r is not allowed (rule: %s)" % (spec.full, value, self.rule))
        return text

    max_length = None
    length_rule = None
    pattern = None
    rule = None


class StringType(ValueType):
    name = "string"

    def __init__(self, max_length=None, length_rule=None, pattern=None, rule=None):
        self.max_length = max_length
        self.length_rule = length_rule
        self.pattern = pattern
        self.rule = rule


class PathType(ValueType):
    name = "path"


class BoolType(ValueType):
    name = "bool"

    def read(self, raw, key="?", at="?", long_bits=64):
        low = raw.lower()
        if low in ("true", "1"):
            return True, True, []
        if low in ("false", "0"):
            return True, False, []
        return False, None, ["Invalid boolean value '%s' for key '%s' in %s" % (raw, key, at)]

    def coerce(self, value, spec):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower()
        raise SchemaError("%s: value %r is not a boolean (rule: WSL reads only true/false; "
                          "yes/no/on/off are ignored by WSL)" % (spec.full, value))


class IntType(ValueType):
    name = "int"

    def __init__(self, minimum=None, maximum=None, octal=False):
        self.minimum = minimum
        self.maximum = maximum
        self.octal = octal

    def read(self, raw, key="?", at="?", long_bits=64):
        number = parse_c_long(raw, long_bits)
        if number is None:
            return False, None, ["Invalid integer value '%s' for key '%s' in %s" % (raw, key, at)]
        return True, number, []

    def coerce(self, value, spec):
        if isinstance(value, bool):
            raise SchemaError("%s: value %r is a boolean, expected an integer (rule: int)" % (spec.full, value))
        if isinstance(value, int):
            number, text = value, str(value)
            if self.octal:
                text = "0%o" % value if value > 0 else "0"
        elif isinstance(value, str):
            number, text = None, value
            if _is_ascii_text(value) and value == value.strip():
                number = _c_long_value(value)
            if number is None:
                raise SchemaError("%s: value %r is not an integer as WSL reads it (rule: ASCII decimal, 0x hex, "
                                  "leading 0 = octal, nothing else)" % (spec.full, value))
        else:
            raise SchemaError("%s: value %r is not an integer (rule: int)" % (spec.full, value))
        if number < _INT_MIN or number > _INT_MAX:
            raise SchemaError("%s: value %r does not fit a 32-bit int (rule: %d to %d)"
                              % (spec.full, value, _INT_MIN, _INT_MAX))
        if self.minimum is not None and number < self.minimum:
            raise SchemaError("%s: value %r is below the minimum %d (rule: int >= %d)"
                              % (spec.full, value, self.minimum, self.minimum))
        if self.maximum is not None and number > self.maximum:
            raise SchemaError("%s: value %r is above the maximum %d (rule: int <= %d)"
                              % (spec.full, value, self.maximum, self.maximum))
        return text


# The largest size the collection writes: 64 TB, the largest virtual disk (VHDX) Windows makes.
# No WSL memory, swap or disk setting can use more, and it keeps every size far from the 64-bit
# wrap-around of WSL's own arithmetic.
MAX_SIZE_BYTES = 64 << 40


class SizeType(ValueType):
    name = "size"

    def read(self, raw, key="?", at="?", long_bits=64):
        size = parse_size(raw)
        if size is None:
            return False, None, ["Invalid memory string '%s' for .wslconfig entry '%s' in %s" % (raw, key, at)]
        return True, raw, []

    def compare_key(self, raw):
        return parse_size(raw)

    def coerce(self, value, spec):
        if isinstance(value, bool):
            raise SchemaError("%s: value %r is a boolean, expected a size (rule: size)" % (spec.full, value))
        if isinstance(value, int):
            if value < 0:
                raise SchemaError("%s: value %r is negative (rule: a size is a whole number of bytes >= 0)"
                                  % (spec.full, value))
            text = str(value)
        elif isinstance(value, str) and SIZE_RE.match(value) and (
                SIZE_RE.match(value).group(1) == "0" or int(SIZE_RE.match(value).group(1)) > 0):
            # WSL takes a zero only spelled as one "0" ("00GB" is refused).
            text = value
        else:
            raise SchemaError("%s: value %r is not a WSL size (rule: ASCII digits with an optional upper-case suffix "
                              "B, K, KB, M, MB, G, GB, T or TB, no space, no decimals, not negative; "
                              "e.g. 8GB)" % (spec.full, value))
        if _size_bytes(text) > MAX_SIZE_BYTES:
            raise SchemaError("%s: value %r is larger than 64TB (rule: a size is at most 64TB, the largest "
                              "virtual disk Windows makes; WSL's own arithmetic wraps around above 16 EB)"
                              % (spec.full, value))
        return text


def _size_bytes(text):
    """Exact bytes of a size the collection writes (no wrap-around)."""
    match = SIZE_RE.match(text)
    return int(match.group(1)) * _SIZE_FACTORS[match.group(2) or ""]


class EnumType(ValueType):
    """A value from a fixed list, compared without case.

    ``choices`` are what the collection writes and reports; ``wsl_names`` WSL's own spellings, in
    the order its warning lists them (sorted without case); ``aliases`` names WSL also accepts
    for one of the choices.
    """

    name = "enum"

    def __init__(self, choices, wsl_names=None, aliases=None):
        self.choices = tuple(choices)
        self.wsl_names = tuple(wsl_names or sorted(self.choices, key=str.lower))
        self.aliases = dict(aliases or {})

    def _match(self, text):
        return first_named(self.choices, text)

    def read(self, raw, key="?", at="?", long_bits=64):
        choice = self._match(raw)
        if choice is None:
            return False, None, ["Invalid value '%s' for config key '%s' in %s (Valid values: %s)"
                                 % (raw, key, at, ", ".join(self.wsl_names))]
        return True, choice, []

    def coerce(self, value, spec):
        if isinstance(value, str) and self._match(value) is not None:
            return self._match(value)
        raise SchemaError("%s: value %r is not one of %s (rule: enum, case-insensitive)"
                          % (spec.full, value, ", ".join(self.choices)))


def _stoi(item):
    """C++ ``std::stoi`` as WSL calls it: leading C blanks, a sign, decimal digits, the rest ignored.

    Returns the number or None where ``stoi`` throws (no digits, or outside a 32-bit int).
    """
    i, n = 0, len(item)
    while i < n and item[i] in _C_SPACE:
        i += 1
    j = i
    if j < n and item[j] in "+-":
        j += 1
    k = j
    while k < n and "0" <= item[k] <= "9":
        k += 1
    if k == j:
        return None
    number = int(item[i:k])
    if number < _INT_MIN or number > _INT_MAX:
        return None
    return number


class PortsType(ValueType):
    name = "ports"

    def read(self, raw, key="?", at="?", long_bits=64):
        # WSL splits on commas (empty items dropped) and converts each with std::stoi, so trailing
        # text after the digits is silently dropped ("8000-8010" means 8000). Each item it cannot
        # use gets a warning naming the whole value; the rest are kept, as a sorted set.
        ports, warnings = set(), []
        for item in raw.split(","):
            if not item:
                continue
            number = _stoi(item)
            if number is None or not 0 < number <= 65535:
                warnings.append("Invalid integer value '%s' for key '%s' in %s" % (raw, key, at))
                continue
            ports.add(number)
        return True, sorted(ports), warnings

    def compare_key(self, raw):
        dummy, ports, warnings = self.read(raw)
        return None if warnings else ports

    def coerce(self, value, spec):
        if isinstance(value, str):
            items = [i.strip() for i in value.split(",")] if value.strip() else []
        elif isinstance(value, (list, tuple)):
            items = list(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [value]
        else:
            raise SchemaError("%s: value %r is not a list of ports (rule: ports)" % (spec.full, value))
        ports = []
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                port = item
            elif isinstance(item, str) and item and all("0" <= c <= "9" for c in item):
                port = int(item)
            else:
                raise SchemaError("%s: item %r of %r is not a single port (rule: comma-separated ASCII port numbers "
                                  "1-65535; ranges such as 8000-8010 are not supported by WSL)"
                                  % (spec.full, item, value))
            if not 0 < port < 65536:
                raise SchemaError("%s: port %r is out of range (rule: 1-65535)" % (spec.full, item))
            ports.append(port)
        return ",".join(str(p) for p in ports)


class MacType(ValueType):
    name = "mac"

    def read(self, raw, key="?", at="?", long_bits=64):
        if _MAC_RE.match(raw):
            return True, raw, []
        return False, None, ["Invalid mac address '%s' for key '%s' in %s (WSL refuses to start the VM)"
                             % (raw, key, at)]

    def compare_key(self, raw):
        return raw.lower().replace("-", ":") if _MAC_RE.match(raw) else None

    def coerce(self, value, spec):
        if isinstance(value, str) and _MAC_RE.match(value):
            return value
        raise SchemaError("%s: value %r is not a MAC address (rule: six hex pairs like aa:bb:cc:dd:ee:ff)"
                          % (spec.full, value))


class IPv4Type(ValueType):
    name = "ipv4"

    def read(self, raw, key="?", at="?", long_bits=64):
        if _is_ipv4(raw):
            return True, raw, []
        return False, None, ["Invalid IP value '%s' for key '%s' in %s" % (raw, key, at)]

    def coerce(self, value, spec):
        if isinstance(value, str) and _is_ipv4(value):
            return value
        raise SchemaError("%s: value %r is not an IPv4 address (rule: dotted quad, e.g. 10.255.255.254)"
                          % (spec.full, value))


class KeySpec:
    """One key of a config file as WSL reads it."""

    def __init__(self, section, name, vtype, default=None, aliases=(), min_wsl=None, min_windows=None,
                 documented=True, description=""):
        self.section = section
        self.name = name
        self.type = vtype
        self.default = default
        # Other "section" names under which WSL reads the same key (first occurrence wins across them).
        self.alias_sections = tuple(aliases)
        self.min_wsl = min_wsl
        self.min_windows = min_windows
        self.documented = documented
        self.description = description

    @property
    def full(self):
        return "%s.%s" % (self.section, self.name)

    @property
    def id(self):
        return self.full.lower()

    def names(self):
        return [("%s.%s" % (s, self.name)).lower() for s in (self.section,) + self.alias_sections]

    def as_dict(self):
        data = {"section": self.section, "key": self.name, "type": self.type.name, "default": self.default,
                "aliases": ["%s.%s" % (s, self.name) for s in self.alias_sections],
                "min_wsl": self.min_wsl, "min_windows": self.min_windows, "documented": self.documented}
        if isinstance(self.type, EnumType):
            data["choices"] = list(self.type.choices)
        return data


class Policy:
    """A machine policy DWORD under HKLM\\Software\\Policies\\WSL and what it overrides."""

    def __init__(self, name, overrides=(), forced=None, description=""):
        self.name = name
        self.overrides = tuple(overrides)
        # What WSL puts in place of a user's value when the policy is 0. WSL resets the setting to
        # its empty value (no path, 0, false) and only when the user's value is not already that;
        # None = the key is dropped and WSL's built-in default applies. The firewall is the
        # exception: the policy forces it on (WslCoreConfig.cpp).
        self.forced = forced
        self.description = description


class Schema:
    def __init__(self, kind, label, keys, restart, policies=(), long_bits=64):
        self.kind = kind
        # Size of C long where WSL parses this file: 32 bits on Windows, 64 in the Linux guest.
        self.long_bits = long_bits
        self.label = label
        self.keys = tuple(keys)
        self.restart = restart
        self.policies = tuple(policies)
        self._by_name = {}
        for spec in self.keys:
            for full in spec.names():
                self._by_name[full] = spec
        self.sections = sorted(set(s.section for s in self.keys) | set(
            a for s in self.keys for a in s.alias_sections), key=str.lower)

    def lookup(self, full):
        """Key spec for a full ``section.key`` name (any case, aliases included) or None."""
        return self._by_name.get(full.lower())

    def get(self, section, key):
        return self.lookup("%s.%s" % (section, key))

    def sections_of(self, key):
        """Section spellings under which ``key`` would be read, for 'wrong section' messages."""
        found = []
        for spec in self.keys:
            if same_name(spec.name, key):
                found.extend((spec.section,) + spec.alias_sections)
        return found

    def section_name(self, section):
        """The schema's spelling of a section name, or None if no key lives there."""
        return first_named(self.sections, section)

    def policy(self, name):
        return first_named(self.policies, name, lambda pol: pol.name)


_B = BoolType()
_S = StringType()
_P = PathType()
_Z = SizeType()
_I = IntType()
_MS = IntType(minimum=0)
_W11 = "Windows 11 (build %d)" % WINDOWS11_FIRST_BUILD
_W11_22H2 = MIRRORED_MIN_TEXT
_EXP = ("experimental",)

NETWORKING_MODES = ("none", "nat", "bridged", "mirrored", "virtioproxy", "consomme")
# WSL's own spellings, in the order its "Valid values" warning lists them; VirtioProxy is its
# legacy name for Consomme (WslCoreConfig.h).
NETWORKING_MODE_WSL_NAMES = ("Bridged", "Consomme", "Mirrored", "Nat", "None", "VirtioProxy")
NETWORKING_MODE_ALIASES = {"virtioproxy": "consomme"}

# Linux's COMMAND_LINE_SIZE (x86-64 and arm64).
KERNEL_COMMAND_LINE_MAX = 2048
# What WSL's CleanHostname leaves unchanged: letters, digits, single hyphens inside a label, at
# most one dot, at most 64 characters; anything else WSL rewrites before setting it.
HOSTNAME_RE = re.compile(r"^(?=.{1,64}\Z)[A-Za-z0-9]+(-[A-Za-z0-9]+)*(\.[A-Za-z0-9]+(-[A-Za-z0-9]+)*)?\Z")
# useradd's default rule for a user name (shadow NAME_REGEX, 32 characters).
USER_NAME_RE = re.compile(r"^(?=.{1,32}\Z)[a-z_][a-z0-9_-]*\$?\Z")

WSLCONFIG_KEYS = (
    # [wsl2] networking
    KeySpec("wsl2", "networkingMode", EnumType(NETWORKING_MODES, NETWORKING_MODE_WSL_NAMES), "nat", _EXP, "2.0.5", _W11_22H2,
            description="none, nat, bridged (deprecated), mirrored, virtioproxy; consomme needs WSL 2.9.0."),
    KeySpec("wsl2", "localhostForwarding", _B, True),
    KeySpec("wsl2", "dnsTunneling", _B, True, _EXP, "2.0.5", _W11_22H2),
    KeySpec("wsl2", "dnsProxy", _B, True),
    KeySpec("wsl2", "firewall", _B, True, _EXP, "2.0.5", _W11_22H2),
    KeySpec("wsl2", "autoProxy", _B, True, _EXP, "2.0.5", _W11),
    KeySpec("wsl2", "ipv6", _B, False, documented=False),
    KeySpec("wsl2", "vmSwitch", _S, None, documented=False),
    KeySpec("wsl2", "macAddress", MacType(), None, documented=False),
    KeySpec("wsl2", "dhcp", _B, True, documented=False),
    KeySpec("wsl2", "dhcpTimeout", _MS, 5000, documented=False),
    # [wsl2] VM
    KeySpec("wsl2", "memory", _Z, None),
    KeySpec("wsl2", "processors", IntType(minimum=1), None),
    KeySpec("wsl2", "swap", _Z, None),
    KeySpec("wsl2", "swapFile", _P, None),
    KeySpec("wsl2", "kernel", _P, None),
    KeySpec("wsl2", "kernelModules", _P, None),
    KeySpec("wsl2", "kernelCommandLine", StringType(
        max_length=KERNEL_COMMAND_LINE_MAX,
        length_rule="Linux takes a kernel command line of at most %d bytes (COMMAND_LINE_SIZE on x86-64 and "
                    "arm64), and WSL adds its own arguments to it" % KERNEL_COMMAND_LINE_MAX), None),
    KeySpec("wsl2", "loadDefaultKernelModules", _B, True, documented=False),
    KeySpec("wsl2", "loadKernelModules", _S, None, documented=False),
    KeySpec("wsl2", "safeMode", _B, False, min_wsl="0.66.2", min_windows=_W11),
    KeySpec("wsl2", "guiApplications", _B, True),
    KeySpec("wsl2", "gpuSupport", _B, True, documented=False),
    KeySpec("wsl2", "debugConsole", _B, False, min_windows=_W11),
    KeySpec("wsl2", "debugConsoleLogFile", _P, None, documented=False),
    KeySpec("wsl2", "earlyBootLogging", _B, None, documented=False),
    KeySpec("wsl2", "nestedVirtualization", _B, None, min_windows=_W11),
    KeySpec("wsl2", "vmIdleTimeout", _I, 60000, min_windows=_W11),
    KeySpec("wsl2", "maxCrashDumpCount", _I, 10),
    KeySpec("wsl2", "crashDumpFolder", _P, None, documented=False),
    KeySpec("wsl2", "defaultVhdSize", _Z, "1099511627776"),
    KeySpec("wsl2", "hardwarePerformanceCounters", _B, None, documented=False),
    KeySpec("wsl2", "virtio", _B, None, documented=False),
    KeySpec("wsl2", "virtiofs", _B, False, documented=False),
    KeySpec("wsl2", "virtio9p", _B, False, documented=False),
    KeySpec("wsl2", "hostFileSystemAccess", _B, True, documented=False),
    KeySpec("wsl2", "kernelBootTimeout", _MS, 30000, documented=False),
    KeySpec("wsl2", "distributionStartTimeout", _MS, 60000, documented=False),
    KeySpec("wsl2", "mountDeviceTimeout", _MS, 5000, documented=False),
    KeySpec("wsl2", "kernelDebugPort", _MS, 0, documented=False),
    KeySpec("wsl2", "systemDistro", _P, None, documented=False),
    KeySpec("wsl2", "telemetry", _B, None, documented=False),
    KeySpec("wsl2", "isolateDistroCgroup", _B, True, min_wsl="2.9.0", documented=False),
    # [experimental] only
    KeySpec("experimental", "hostAddressLoopback", _B, False, min_wsl="2.0.0", min_windows=_W11_22H2),
    KeySpec("experimental", "ignoredPorts", PortsType(), None, min_wsl="2.0.0", min_windows=_W11_22H2),
    KeySpec("experimental", "dnsTunnelingIpAddress", IPv4Type(), "10.255.255.254", min_wsl="2.0.0",
            min_windows=_W11_22H2),
    KeySpec("experimental", "bestEffortDnsParsing", _B, False, min_wsl="2.0.0", min_windows=_W11_22H2),
    KeySpec("experimental", "initialAutoProxyTimeout", _MS, 1000, min_windows=_W11),
    KeySpec("experimental", "autoMemoryReclaim",
            EnumType(("disabled", "gradual", "dropCache"), ("Disabled", "DropCache", "Gradual")), "dropCache",
            min_wsl="2.0.0"),
    KeySpec("experimental", "sparseVhd", _B, False, min_wsl="2.0.0"),
    KeySpec("experimental", "setVersionDebug", _B, False, documented=False),
    KeySpec("experimental", "swiotlb", _Z, None, min_wsl="2.9.0", documented=False),
    KeySpec("experimental", "virtioFsAggregateShares", _B, True, min_wsl="2.9.0", documented=False),
    # [general]
    KeySpec("general", "distributionInstallPath", _P, None, documented=False),
    KeySpec("general", "instanceIdleTimeout", _I, 15000, documented=False),
)

WSLCONFIG_POLICIES = (
    Policy("AllowNetworkingModeUserSetting", ("wsl2.networkingMode",), forced="DefaultNetworkingMode",
           description="0 = the user's networkingMode is ignored (except none); DefaultNetworkingMode applies."),
    Policy("AllowFirewallUserSetting", ("wsl2.firewall",), forced=True,
           description="0 = the user cannot turn the Hyper-V firewall off (asking for it on is no conflict)."),
    Policy("AllowKernelUserSetting", ("wsl2.kernel", "wsl2.kernelModules"),
           description="0 = a custom kernel and custom kernel modules are ignored."),
    Policy("AllowSystemDistroUserSetting", ("wsl2.systemDistro",),
           description="0 = a custom system distribution is ignored."),
    Policy("AllowKernelCommandLineUserSetting", ("wsl2.kernelCommandLine",),
           description="0 = kernelCommandLine is ignored."),
    Policy("AllowKernelDebugUserSetting", ("wsl2.kernelDebugPort",), forced=0,
           description="0 = kernelDebugPort is ignored (no kernel debugger)."),
    Policy("AllowNestedVirtualization", ("wsl2.nestedVirtualization",), forced=False,
           description="0 = nested virtualization stays off."),
    Policy("DefaultNetworkingMode", (), description="Default mode: 0 none, 1 nat, 2 bridged (rejected), "
                                                    "3 mirrored, 4 consomme."),
    Policy("AllowDebugShell", (), description="0 = the WSL debug shell cannot be opened."),
    Policy("AllowWSL", (), description="0 = WSL is disabled on this machine."),
    Policy("AllowWSL1", (), description="0 = WSL 1 distributions cannot run."),
)

# DefaultNetworkingMode DWORD -> networkingMode (2 = bridged is rejected as a default by WSL).
DEFAULT_NETWORKING_MODE_VALUES = {0: "none", 1: "nat", 3: "mirrored", 4: "consomme"}

WSLCONF_KEYS = (
    KeySpec("boot", "systemd", _B, False, min_wsl="0.67.6"),
    KeySpec("boot", "command", _S, None),
    KeySpec("boot", "protectBinfmt", _B, True),
    KeySpec("boot", "initTimeout", _MS, 10000, documented=False),
    KeySpec("automount", "enabled", _B, True),
    KeySpec("automount", "root", StringType(
        pattern=re.compile(r"^/"), rule="an absolute path inside the distribution, starting with /"), "/mnt/"),
    KeySpec("automount", "options", _S, None),
    KeySpec("automount", "mountFsTab", _B, True),
    KeySpec("automount", "ldconfig", _B, True, documented=False),
    KeySpec("automount", "cgroups", EnumType(("v1", "v2"), ("v1", "v2")), "v2", min_wsl="2.7.0", documented=False),
    KeySpec("network", "generateHosts", _B, True),
    KeySpec("network", "generateResolvConf", _B, True),
    KeySpec("network", "hostname", StringType(
        max_length=64, length_rule="Linux host names are at most 64 characters; WSL cuts longer ones",
        pattern=HOSTNAME_RE, rule="a Linux host name as WSL keeps it: letters, digits and single hyphens inside, "
                                  "at most one dot, 1-64 characters; WSL rewrites anything else"), None),
    KeySpec("interop", "enabled", _B, True, min_windows="build 17763"),
    KeySpec("interop", "appendWindowsPath", _B, True, min_windows="build 17763"),
    KeySpec("user", "default", StringType(
        max_length=32, length_rule="useradd takes user names of at most 32 characters",
        pattern=USER_NAME_RE, rule="a Linux user name: lower-case letters, digits, _ and -, starting with a letter "
                                   "or _, at most 32 characters"), None, min_windows="build 18980"),
    KeySpec("gpu", "enabled", _B, True),
    KeySpec("gpu", "appendLibPath", _B, True, documented=False),
    KeySpec("time", "useWindowsTimezone", _B, True),
    KeySpec("filesystem", "umask", IntType(minimum=0, maximum=0o777, octal=True), "0022", documented=False),
    KeySpec("fileServer", "enabled", _B, True, documented=False),
    KeySpec("fileServer", "logFile", _P, None, documented=False),
    KeySpec("fileServer", "logLevel", _I, None, documented=False),
    KeySpec("fileServer", "logTruncate", _B, True, documented=False),
    KeySpec("general", "guiApplications", _B, True, documented=False),
)

SCHEMAS = {
    WSLCONFIG: Schema(WSLCONFIG, ".wslconfig", WSLCONFIG_KEYS, "vm", WSLCONFIG_POLICIES, long_bits=32),
    WSLCONF: Schema(WSLCONF, "wsl.conf", WSLCONF_KEYS, "distribution"),
}


def get_schema(kind):
    try:
        return SCHEMAS[kind]
    except KeyError:
        raise SchemaError("unknown config file kind %r (known: %s)" % (kind, ", ".join(sorted(SCHEMAS))))


def check_ascii(spec_full, text):
    if not _is_ascii_text(text):
        raise SchemaError("%s: value %r contains non-ASCII characters (rule: WSL's parser mangles non-ASCII "
                          "values; keep values ASCII)" % (spec_full, text))
