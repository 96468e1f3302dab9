# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""WSL's parser rules, one by one (reference section 1.3 and 2.2)."""
from __future__ import annotations

import pytest

from ansible_collections.wslfleet.networking.plugins.module_utils._wslini import (
    Document,
    WslIniError,
    encode_value,
    tokenize,
)


def keys(text, dialect="wslconfig"):
    return [(e.full, e.value) for e in tokenize(text, dialect) if e.kind == "key"]


def kinds(text, dialect="wslconfig"):
    return [(e.kind, e.line, e.error) for e in tokenize(text, dialect)]


@pytest.mark.parametrize("raw, value", [
    ('a = "  spaced  "   ', "  spaced  "),
    ("a = trailing   \t", "trailing"),
    ('a = "a # b" # c', "a # b"),
    ("a = x#y", "x"),
    ('a = say \\"hi\\"', 'say "hi"'),
    ('a = "quotes \\" inside"', 'quotes " inside'),
    ("a = C:\\\\temp\\\\k", "C:\\temp\\k"),
    ("a = C:\\temp", "C:\temp"),
    ("a = one\\ntwo\\bx", "one\ntwo\bx"),
    ('a = mid"dle"quote', "middlequote"),
    ("a =", ""),
])
def test_value_rules(raw, value):
    assert keys("[s]\n" + raw + "\n") == [("s.a", value)]


def test_line_continuation_spans_lines_and_counts_them():
    # WSL reports a continued key at the line its value ends on (configfile.cpp counts the
    # escaped newline before it hands the key over).
    entries = tokenize("[s]\na = first \\\n  second\nb = 2\n", "wslconfig")
    assert [(e.full, e.value, e.line) for e in entries if e.kind == "key"] == [
        ("s.a", "first   second", 3), ("s.b", "2", 4)]


def test_backslash_crlf_is_a_continuation_only_in_wslconfig():
    text = "[s]\r\na = x\\\r\ny\r\nb = 2\r\n"
    assert keys(text, "wslconfig") == [("s.a", "xy"), ("s.b", "2")]
    # In the guest WSL drops the escaped CR and the LF ends the value; "y" is then a line of its own.
    assert keys(text, "wsl.conf") == [("s.a", "x"), ("s.b", "2")]
    assert kinds(text, "wsl.conf")[2] == ("invalid", 4, "Expected '='")


@pytest.mark.parametrize("line, error", [
    ("; comment", "Invalid key name"),
    ("kernel_cmdline = x", "Expected '='"),
    ("foo-bar = 1", "Expected '='"),
    ("path = C:\\Users", "Invalid escaped character: 'U'"),
    ('cmd = "unterminated', 'Expected "'),
    ("[system-distro-env]", "Expected ']'"),
    ("[1st]", "Invalid section name"),
    ("[wsl2] x", "Expected ' ' or '\\n'"),
    ("9key = 1", "Invalid key name"),
    ("key", "Expected '='"),
])
def test_invalid_lines(line, error):
    assert kinds("[s]\n" + line + "\n# after\n")[1] == ("invalid", 2, error)


def test_invalid_header_mangles_the_section_of_following_keys_like_wsl():
    # WSL keeps the section in the key buffer: "[experimental-x]" after "[wsl2]" leaves "expe".
    assert keys("[wsl2]\n[experimental-x]\nfoo=1\n") == [("expe.foo", "1")]
    # shorter than the old section: the buffer is NUL padded, the key name is lost
    assert keys("[experimental]\n[ab-c]\nfoo=1\n") == [("ab", "1")]
    # "[" followed by a non-letter leaves the previous section in place
    assert keys("[wsl2]\n[-x]\nmemory=1GB\n") == [("wsl2.memory", "1GB")]
    # no section yet: the key stays top-level
    assert keys("[a-b]\nfoo=1\n") == [("foo", "1")]


def test_sections_and_keys_are_case_insensitive_and_first_wins():
    doc = Document("[WSL2]\nMEMORY=1GB\n[wsl2]\nmemory=2GB\n", "wslconfig")
    scan = doc.scan()
    assert scan.values == {"wsl2": {"memory": "1GB"}}
    assert scan.warnings == ["Duplicated config key 'wsl2.memory' in .wslconfig:4 "
                             "(Conflicting key: 'WSL2.MEMORY' in .wslconfig:2)"]


def test_invalid_first_value_still_blocks_later_duplicates():
    # WSL records the key as seen even when its value was rejected.
    scan = Document("[wsl2]\nmemory=4gb\nmemory=4GB\n", "wslconfig").scan()
    assert scan.values == {}
    assert len(scan.warnings) == 2


def test_wslconfig_skips_invalid_lines_wsl_conf_stops():
    text = "[boot]\nsystemd=true\n;x\n[network]\nhostname=a\n"
    assert Document(text, "wslconfig").scan(schema=False).values == {"boot": {"systemd": "true"},
                                                                     "network": {"hostname": "a"}}
    assert Document(text, "wsl.conf").scan().values == {"boot": {"systemd": True}}


def test_wsl_conf_bom_is_an_invalid_first_line():
    doc = Document.from_bytes(b"\xef\xbb\xbf[boot]\nsystemd=true\n", "wsl.conf")
    scan = doc.scan()
    assert scan.values == {}
    assert "byte order mark" in scan.warnings[0]
    assert doc.to_bytes() == b"\xef\xbb\xbf[boot]\nsystemd=true\n"


def test_crlf_and_lone_cr_line_ends():
    assert keys("[s]\r\na=1\r\nb=2") == [("s.a", "1"), ("s.b", "2")]
    assert keys("[s]\ra=1\rb=2\r", "wsl.conf") == [("s.a", "1"), ("s.b", "2")]


def test_add_key_copies_indentation_and_separator_style():
    doc = Document("[wsl2]\n  memory = 4GB\n  swap = 0\n\n# next\n[experimental]\n", "wslconfig")
    doc.add_key("wsl2", "processors", "2")
    assert doc.text == "[wsl2]\n  memory = 4GB\n  swap = 0\n  processors = 2\n\n# next\n[experimental]\n"


def test_add_key_to_an_empty_section_goes_right_under_the_header():
    doc = Document("[wsl2]\n# comment for experimental\n[experimental]\nsparseVhd=true\n", "wslconfig")
    doc.add_key("wsl2", "memory", "4GB")
    assert doc.text == "[wsl2]\nmemory=4GB\n# comment for experimental\n[experimental]\nsparseVhd=true\n"


@pytest.mark.parametrize("value, raw", [
    ("plain", "plain"),
    ("", '""'),
    ("C:\\temp\\k", "C:\\\\temp\\\\k"),
    ("a # b", '"a # b"'),
    (" lead", '" lead"'),
    ('say "x"', 'say \\"x\\"'),
    ("tab\there", "tab\\there"),
])
def test_encode_value(value, raw):
    assert encode_value(value) == raw


def test_encode_value_refuses_what_wsl_cannot_read_back():
    with pytest.raises(WslIniError, match="control character"):
        encode_value("a\rb")


def test_add_key_refuses_names_that_would_be_invalid_lines():
    with pytest.raises(WslIniError, match="letter followed by letters or digits"):
        Document("", "wsl.conf").add_key("boot", "my_key", "1")
