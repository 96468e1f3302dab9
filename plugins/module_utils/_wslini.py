# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one INI engine for ``.wslconfig`` and ``/etc/wsl.conf``.

WSL reads both files with its own gitconfig-style parser, not with anything ``configparser``
understands: only ``#`` comments, ``;`` lines are invalid, sections and
keys match case-insensitively, the first duplicate wins, ``"`` toggles quoting, backslash escapes
and continuations, and in ``wsl.conf`` the first invalid line ends parsing.

A ``Document`` keeps the decoded text verbatim and a list of ``Entry`` objects (one per logical
line, with character offsets into the text). Edits are splices of that text, so every byte we do
not mean to change survives, and the encoding (UTF-8, UTF-8 BOM, UTF-16LE BOM) and line ending
style are written back as found.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import (
    NAME_RE,
    WSLCONF,
    WSLCONFIG,
    get_schema,
    same_name,
)

_HSPACE = " \t"
_ESCAPES = {"\\": "\\", '"': '"', "b": "\b", "n": "\n", "t": "\t"}
_WRITE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\n": "\\n", "\t": "\\t"}

ENC_UTF8 = "utf-8"
ENC_UTF8_BOM = "utf-8-bom"
ENC_UTF16_BOM = "utf-16-le-bom"


class WslIniError(ValueError):
    """The file cannot be read or a value cannot be written so WSL reads it back."""


def _isalpha(ch):
    return ch is not None and ("a" <= ch <= "z" or "A" <= ch <= "Z")


def _isalnum(ch):
    return _isalpha(ch) or (ch is not None and "0" <= ch <= "9")


class Entry:
    """One logical line of the file (a key line may span several physical lines).

    kind: ``blank``, ``comment``, ``section``, ``key`` or ``invalid``. ``line`` is the line WSL
    reports for it (see ``tokenize``). ``start``/``end`` are offsets into ``Document.text``; ``end`` includes the line terminator.
    For keys: ``name`` as written, ``full`` the ``section.key`` name WSL looks up, ``value`` the
    value after unquoting/unescaping, ``value_start``/``value_end`` the raw value's span
    (trailing blanks and comment excluded). For invalid lines ``error`` holds WSL's complaint.
    """

    __slots__ = ("kind", "start", "end", "line", "name", "full", "section", "value", "name_start",
                 "value_start", "value_end", "error", "header", "comment_start", "continuations")

    def __init__(self, kind, start, line):
        self.kind = kind
        self.start = start
        self.end = start
        self.line = line
        self.name = None
        self.full = None
        self.section = None
        self.value = None
        self.name_start = None
        self.value_start = None
        self.value_end = None
        self.error = None
        self.header = False
        self.comment_start = None   # offset of a trailing "# comment" on a section or key line
        self.continuations = 0      # backslash-newline continuations inside the value

    def __repr__(self):
        return "Entry(%s, line=%d, full=%r, value=%r, error=%r)" % (
            self.kind, self.line, self.full, self.value, self.error)


class _Reader:
    """Character reader; in CRT text mode (``.wslconfig``) CR LF reads as one LF."""

    def __init__(self, text, crt):
        self.text = text
        self.pos = 0
        self.crt = crt

    def peek(self):
        if self.pos >= len(self.text):
            return None
        ch = self.text[self.pos]
        if self.crt and ch == "\r" and self.text.startswith("\n", self.pos + 1):
            return "\n"
        return ch

    def get(self):
        ch = self.peek()
        if ch is not None:
            self.pos += 2 if (ch == "\n" and self.text[self.pos] == "\r") else 1
        return ch

    def skip_hspace(self):
        while self.peek() is not None and self.peek() in _HSPACE:
            self.pos += 1

    def end_line(self):
        """Consume the line terminator at the current position (LF, CR LF or a lone CR)."""
        ch = self.peek()
        if ch == "\n":
            self.get()
        elif ch == "\r":
            self.pos += 1
            if self.peek() == "\n":
                self.get()

    def skip_to_lf(self):
        """Consume everything up to and including the next LF (how WSL skips comments/invalid lines)."""
        while True:
            ch = self.get()
            if ch is None or ch == "\n":
                return


def tokenize(text, dialect):
    """Split decoded text into entries exactly as WSL's parser walks it.

    ``Entry.line`` is the line number WSL itself reports for the entry. WSL counts lines its own
    way: in ``wsl.conf`` (read byte by byte in the guest) a section or key line ended by CR LF
    counts as two lines, while a blank line, a comment or a line with a trailing comment ended by
    CR LF counts as one; a lone CR after a section or key counts as one, a lone CR on a blank line
    as none. ``.wslconfig`` is read in CRT text mode, where CR LF arrives as LF. A key continued
    over several lines is reported at its last line.
    """
    crt = dialect == WSLCONFIG
    reader = _Reader(text, crt=crt)
    entries = []
    # WSL keeps the section as a prefix of its key buffer plus a length; an invalid header that
    # starts with a letter overwrites that buffer, so keys after it get a mangled section.
    prefix, prefix_len = "", 0
    line = 1

    while reader.pos < len(text):
        entry = Entry("blank", reader.pos, line)
        reader.skip_hspace()
        ch = reader.peek()
        if ch is None or ch in "\r\n":
            reader.end_line()
        elif ch == "#":
            entry.kind = "comment"
            reader.skip_to_lf()
        elif ch == "[":
            entry.header = True
            reader.get()
            if not _isalpha(reader.peek()):
                entry.kind, entry.error = "invalid", "Invalid section name"
                reader.skip_to_lf()
            else:
                name_start = reader.pos
                while _isalnum(reader.peek()):
                    reader.get()
                name = text[name_start:reader.pos]
                if reader.peek() != "]":
                    entry.kind, entry.error = "invalid", "Expected ']'"
                    if prefix_len:
                        prefix = (name + "\0" * prefix_len)[:prefix_len]
                    reader.skip_to_lf()
                else:
                    reader.get()
                    reader.skip_hspace()
                    ch = reader.peek()
                    if ch is None or ch in "\r\n":
                        reader.end_line()
                    elif ch == "#":
                        entry.comment_start = reader.pos
                        reader.skip_to_lf()
                    else:
                        entry.kind, entry.error = "invalid", "Expected ' ' or '\\n'"
                        if prefix_len:
                            prefix = (name + "\0" * prefix_len)[:prefix_len]
                        reader.skip_to_lf()
                    if entry.kind != "invalid":
                        entry.kind, entry.name, entry.section = "section", name, name
                        prefix, prefix_len = name, len(name)
        elif _isalpha(ch):
            _read_key(reader, entry, text, prefix, prefix_len)
        else:
            entry.kind, entry.error = "invalid", "Invalid key name"
            reader.skip_to_lf()
        entry.end = reader.pos
        entry.line = line + entry.continuations
        line = entry.line + _lines_after(entry, text, crt)
        entries.append(entry)
    return entries


def _lines_after(entry, text, crt):
    """How far WSL's line counter moves past the end of ``entry`` (see ``tokenize``)."""
    ends_lf = text.endswith("\n", 0, entry.end)
    if entry.kind in ("blank", "comment"):
        return 1 if ends_lf else 0
    if entry.kind == "invalid":
        return 1
    if entry.comment_start is not None:
        return 1 if ends_lf else 0
    # An escaped CR at the end of a value belongs to the value, so only the tail after it counts.
    tail_start = entry.value_end if entry.kind == "key" else entry.start
    if not crt and text[tail_start:entry.end].endswith("\r\n"):
        return 2
    return 1


def _read_key(reader, entry, text, prefix, prefix_len):
    entry.kind = "key"
    entry.name_start = reader.pos
    while _isalnum(reader.peek()):
        reader.get()
    entry.name = text[entry.name_start:reader.pos]
    full = (prefix + "." + entry.name) if prefix_len else entry.name
    entry.full = full.split("\0")[0]
    entry.section = prefix.split("\0")[0] if prefix_len else None
    reader.skip_hspace()
    if reader.peek() != "=":
        entry.kind, entry.error = "invalid", "Expected '='"
        reader.skip_to_lf()
        return
    reader.get()
    reader.skip_hspace()
    entry.value_start = entry.value_end = reader.pos
    value, trimmed, in_quote = [], 0, False
    while True:
        ch = reader.peek()
        if ch is None or ch in "\r\n":
            break
        reader.get()
        if ch == '"':
            in_quote = not in_quote
        elif ch == "\\":
            ch2 = reader.get()
            if ch2 == "\n":
                entry.continuations += 1
            elif ch2 == "\r":
                pass  # WSL drops an escaped CR (the end of a CR LF line in the guest)
            elif ch2 in _ESCAPES:
                value.append(_ESCAPES[ch2])
            else:
                entry.kind = "invalid"
                entry.error = "Invalid escaped character: '%s'" % ("EOF" if ch2 is None else ch2)
                if ch2 is not None:
                    reader.skip_to_lf()
                return
        elif ch == "#" and not in_quote:
            reader.pos -= 1
            break
        else:
            value.append(ch)
        if ch not in _HSPACE:
            trimmed = len(value)
            entry.value_end = reader.pos
    if in_quote:
        # WSL skips an invalid line up to the next LF (a lone CR does not end it).
        entry.kind, entry.error = "invalid", 'Expected "'
        if reader.peek() is not None:
            reader.skip_to_lf()
        return
    if reader.peek() == "#":
        entry.comment_start = reader.pos
        reader.skip_to_lf()
    else:
        reader.end_line()
    entry.value = "".join(value[:trimmed])


def encode_value(value):
    """Raw text that WSL's parser reads back as exactly ``value``.

    Backslashes and quotes are escaped (Windows paths: ``C:\\temp`` is written ``C:\\\\temp``),
    newlines/tabs/backspaces use WSL's escapes, and the value is quoted when it holds ``#`` or
    leading/trailing blanks. Characters WSL cannot read back (CR, other control characters)
    raise ``WslIniError``.
    """
    out = []
    for ch in value:
        if ch in _WRITE_ESCAPES:
            out.append(_WRITE_ESCAPES[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            raise WslIniError("value %r contains the control character %r (rule: WSL's parser cannot read back "
                              "control characters other than tab, newline and backspace)" % (value, ch))
        else:
            out.append(ch)
    text = "".join(out)
    if value == "" or "#" in value or value[0] in _HSPACE or value[-1] in _HSPACE:
        text = '"' + text + '"'
    return text


def decode_bytes(data, dialect, label="file"):
    """Return ``(text, encoding)``; ``.wslconfig`` may carry a BOM, ``wsl.conf`` is read raw."""
    if dialect == WSLCONFIG:
        if data.startswith(codecs.BOM_UTF8):
            encoding, body, codec = ENC_UTF8_BOM, data[3:], "utf-8"
        elif data.startswith(codecs.BOM_UTF16_LE):
            encoding, body, codec = ENC_UTF16_BOM, data[2:], "utf-16-le"
        elif data.startswith(codecs.BOM_UTF16_BE):
            raise WslIniError("%s starts with a UTF-16 big-endian byte order mark (rule: WSL only reads UTF-8 or "
                              "UTF-16LE with a BOM). Nothing was changed." % label)
        else:
            encoding, body, codec = ENC_UTF8, data, "utf-8"
    else:
        # WSL's Linux init reads wsl.conf byte by byte: a BOM is kept as text (and is an invalid line).
        encoding, body, codec = ENC_UTF8, data, "utf-8"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise WslIniError("%s cannot be decoded as %s (byte %d: %s; rule: WSL reads UTF-8, and UTF-16LE only with a "
                          "byte order mark). Nothing was changed."
                          % (label, codec.upper(), exc.start + (len(data) - len(body)), exc.reason))
    if encoding == ENC_UTF8 and "\0" in text:
        raise WslIniError("%s contains NUL bytes (UTF-16 without a byte order mark?; rule: WSL reads UTF-8, and "
                          "UTF-16LE only with a byte order mark). Nothing was changed." % label)
    return text, encoding


def encode_text(text, encoding):
    if encoding == ENC_UTF8_BOM:
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == ENC_UTF16_BOM:
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode("utf-8")


class Scan:
    """What WSL makes of a document (see ``Document.scan``)."""

    def __init__(self):
        self.values = {}          # schema section -> key -> value as WSL reads it
        self.occurrence = {}      # key id -> the entry WSL uses (first occurrence)
        self.duplicates = {}      # key id -> later, dead entries
        self.unknown = []         # key entries WSL does not know
        self.invalid = []         # invalid lines
        self.ignored_from = None  # wsl.conf: first invalid line; nothing after it is read
        self.rejected = set()     # key ids present with a value WSL refused
        self.warnings = []


class Document:
    """A config file held losslessly; see the module docstring."""

    def __init__(self, text, dialect, encoding=ENC_UTF8, label=None, existed=True):
        if dialect not in (WSLCONFIG, WSLCONF):
            raise WslIniError("unknown dialect %r" % dialect)
        self.dialect = dialect
        self.encoding = encoding
        self.label = label or (".wslconfig" if dialect == WSLCONFIG else "/etc/wsl.conf")
        self.existed = existed
        self._set_text(text)

    @classmethod
    def from_bytes(cls, data, dialect, label=None):
        """Parse file bytes; ``None`` means the file does not exist yet."""
        if data is None:
            return cls("", dialect, label=label, existed=False)
        text, encoding = decode_bytes(data, dialect, label or dialect)
        return cls(text, dialect, encoding, label)

    def _set_text(self, text):
        self.text = text
        self.entries = tokenize(text, self.dialect)

    def to_bytes(self):
        return encode_text(self.text, self.encoding)

    @property
    def newline(self):
        """The file's line ending (of its first line), or the platform's usual one for new files."""
        idx = self.text.find("\n")
        if idx > 0 and self.text[idx - 1] == "\r":
            return "\r\n"
        if idx >= 0:
            return "\n"
        return "\r\n" if self.dialect == WSLCONFIG else "\n"

    # ---- reading -------------------------------------------------------------------------

    def scan(self, stop_at_invalid=None, schema=True):
        """Walk the entries as WSL does and return a ``Scan``.

        ``stop_at_invalid`` defaults to the dialect's rule (only ``wsl.conf`` stops). With
        ``stop_at_invalid=False`` the scan shows which occurrence of each key is the first one,
        which is what edits target. Warnings use WSL's own wording plus the line number.
        """
        if stop_at_invalid is None:
            stop_at_invalid = self.dialect == WSLCONF
        spec_table = get_schema(self.dialect) if schema else None
        scan = Scan()
        where = self.label
        for entry in self.entries:
            if entry.kind == "invalid":
                scan.invalid.append(entry)
                if scan.ignored_from is None:
                    if stop_at_invalid:
                        scan.ignored_from = entry
                        hint = ""
                        if entry.line == 1 and self.text.startswith("\ufeff"):
                            hint = " (the file starts with a UTF-8 byte order mark)"
                        scan.warnings.append(
                            "%s in %s:%d%s; WSL stops reading wsl.conf at this line and ignores the rest"
                            % (entry.error, where, entry.line, hint))
                        break
                scan.warnings.append("%s in %s:%d; WSL skips this line" % (entry.error, where, entry.line))
                continue
            if entry.kind != "key":
                continue
            spec = spec_table.lookup(entry.full) if spec_table else None
            if spec_table and spec is None:
                scan.unknown.append(entry)
                hint = " (key before any section header)" if entry.section is None else ""
                if "." in entry.full:
                    places = spec_table.sections_of(entry.name)
                    if places:
                        hint = " (WSL reads %s only under [%s])" % (entry.name, "] or [".join(places))
                scan.warnings.append("Unknown key '%s' in %s:%d%s" % (entry.full, where, entry.line, hint))
                continue
            key_id = spec.id if spec else entry.full.lower()
            first = scan.occurrence.get(key_id)
            if first is not None:
                scan.duplicates.setdefault(key_id, []).append(entry)
                scan.warnings.append("Duplicated config key '%s' in %s:%d (Conflicting key: '%s' in %s:%d)"
                                     % (entry.full, where, entry.line, first.full, where, first.line))
                continue
            scan.occurrence[key_id] = entry
            if spec is None:
                section, dummy, name = entry.full.rpartition(".")
                scan.values.setdefault(section, {})[name] = entry.value
                continue
            ok, value, messages = spec.type.read(entry.value, entry.full, "%s:%d" % (where, entry.line),
                                                 spec_table.long_bits)
            for message in messages:
                scan.warnings.append(message + ("" if ok else "; WSL keeps the default"))
            if ok:
                scan.values.setdefault(spec.section, {})[spec.name] = value
            else:
                scan.rejected.add(key_id)
        return scan

    def keys_in_section(self, section):
        """Key entries whose section (as WSL sees it) is ``section``, any case."""
        return [e for e in self.entries if e.kind == "key" and e.section is not None and same_name(e.section, section)]

    # ---- editing -------------------------------------------------------------------------

    def _splice(self, start, end, new):
        before_invalid = sum(1 for e in self.entries if e.kind == "invalid")
        self._set_text(self.text[:start] + new + self.text[end:])
        if sum(1 for e in self.entries if e.kind == "invalid") > before_invalid:
            raise WslIniError("internal error: an edit of %s would create an invalid line; nothing was written"
                              % self.label)

    def set_value(self, entry, value):
        """Replace the value of ``entry`` in place; spacing, quoting and comments around it stay."""
        raw = encode_value(value)
        old = self.text[entry.value_start:entry.value_end]
        if len(old) >= 2 and old[0] == old[-1] == '"' and not raw.startswith('"'):
            raw = '"' + raw + '"'
        if self.text.startswith("#", entry.value_end) and entry.value_end == entry.value_start:
            raw += " "
        self._splice(entry.value_start, entry.value_end, raw)

    def remove(self, entry):
        """Remove a whole logical line. A file without a final newline keeps having none.

        A trailing comment stays behind on a line of its own, as WSL's own writer leaves it.
        """
        start, end = entry.start, entry.end
        if entry.comment_start is not None:
            self._splice(start, end, self.text[entry.comment_start:end])
            return
        if end >= len(self.text) and not self.text.endswith(("\n", "\r")) and start > 0:
            # Take the previous line's terminator instead of our (missing) one.
            start -= 2 if self.text[:start].endswith("\r\n") else 1
        self._splice(start, end, "")

    def _key_style(self, anchor):
        """Indentation and separator to use for a new key, copied from the file's own keys."""
        keys = [e for e in self.entries if e.kind == "key"]
        indent = ""
        if anchor is not None and anchor.kind == "key":
            indent = self.text[anchor.start:anchor.name_start]
        spaced = sum(1 for e in keys if self.text[e.name_start + len(e.name):e.value_start].startswith(" "))
        separator = " = " if keys and spaced * 2 > len(keys) else "="
        return indent, separator

    def add_key(self, section, key, value, before=None):
        """Add ``key`` under the first ``[section]`` (created at the end if missing).

        ``before`` is an entry the new line must come before (in ``wsl.conf``, the invalid line
        where WSL stops reading): the key then goes into a ``[section]`` above it, and
        ``WslIniError`` names the line when there is none.
        """
        if not NAME_RE.match(section) or not NAME_RE.match(key):
            raise WslIniError("[%s] %s: section and key names must be a letter followed by letters or digits "
                              "(WSL treats anything else as an invalid line)" % (section, key))
        raw = encode_value(value)
        nl = self.newline
        header, anchor = None, None
        for entry in self.entries:
            if before is not None and entry.start >= before.start:
                break
            if header is None:
                if entry.kind == "section" and same_name(entry.name, section):
                    header = anchor = entry
                continue
            if entry.header:
                break
            if entry.kind in ("key", "invalid"):
                anchor = entry
        if header is not None:
            indent, separator = self._key_style(anchor)
            line = "%s%s%s%s" % (indent, key, separator, raw)
            pos = anchor.end
            if pos >= len(self.text) and not self.text.endswith(("\n", "\r")):
                self._splice(pos, pos, nl + line)
            else:
                self._splice(pos, pos, line + nl)
            return
        if before is not None:
            raise WslIniError(
                "[%s] %s cannot be written where WSL reads it: WSL stops reading %s at line %d (%s) and no [%s] "
                "section starts above that line (rule: wsl.conf is read only up to its first invalid line). Fix "
                "line %d first; nothing was changed"
                % (section, key, self.label, before.line, before.error, section, before.line))
        dummy, separator = self._key_style(None)
        block = "[%s]%s%s%s%s" % (section, nl, key, separator, raw)
        text = self.text
        if not text:
            self._splice(0, 0, block + nl)
        elif not text.endswith(("\n", "\r")):
            self._splice(len(text), len(text), nl + nl + block)
        elif text.endswith(nl + nl) or text == nl:
            self._splice(len(text), len(text), block + nl)
        else:
            self._splice(len(text), len(text), nl + block + nl)
