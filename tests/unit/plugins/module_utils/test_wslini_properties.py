# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests of the WSL INI engine: losslessness, WSL semantics, minimal edits.

Files are generated from a model (a list of lines); the expected effective settings are computed
from that model with the rules of the reference (first occurrence wins, case-insensitive,
[experimental] aliases, wsl.conf stops at the first invalid line), independently of the parser.
"""
from __future__ import annotations

import codecs
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import ConfigEditError, apply_settings
from ansible_collections.wslfleet.networking.plugins.module_utils._wslini import (
    Document,
    encode_value,
    tokenize,
)

SETTINGS = settings(max_examples=int(os.environ.get("WSLFLEET_HYPOTHESIS_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (section as written, key as written, value text, canonical id or None for unknown)
BOOL_KEYS = [("wsl2", "dnsTunneling"), ("wsl2", "firewall"), ("experimental", "hostAddressLoopback"),
             ("wsl2", "autoProxy"), ("wsl2", "guiApplications")]
ALIASED = {"dnstunneling", "firewall", "autoproxy"}  # also read under [experimental]


def _case(draw, text):
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips))


WSL_CONF_BOOL_KEYS = [("boot", "systemd"), ("network", "generateResolvConf"), ("interop", "enabled"),
                      ("automount", "mountFsTab")]


@st.composite
def wslconfig_model(draw, keys=None, sections=("wsl2", "experimental", "general")):
    keys = keys or BOOL_KEYS
    lines = []
    for dummy in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["section", "key", "key", "key", "comment", "blank", "invalid", "unknown"]))
        if kind == "section":
            name = draw(st.sampled_from(list(sections)))
            lines.append(("section", _case(draw, name), draw(st.sampled_from(["", "  ", " # note"]))))
        elif kind == "key":
            section, key = draw(st.sampled_from(keys))
            value = draw(st.sampled_from(["true", "false", "TRUE", "0", "1"]))
            sep = draw(st.sampled_from(["=", " = ", "\t=  "]))
            trail = draw(st.sampled_from(["", "  ", " # why", "\t#x"]))
            lines.append(("key", _case(draw, key), sep, value, trail))
        elif kind == "unknown":
            lines.append(("key", "custom" + draw(st.sampled_from(["A", "b", "9"])), "=",
                          draw(st.sampled_from(["x", "y"])), ""))
        elif kind == "comment":
            lines.append(("comment", draw(st.sampled_from(["# plain", "  # indented", "#[wsl2]", "# k=v; x"]))))
        elif kind == "blank":
            lines.append(("blank", draw(st.sampled_from(["", "   ", "\t"]))))
        else:
            lines.append(("invalid", draw(st.sampled_from(
                ["; semicolon", "kernel_cmdline=x", "foo-bar = 1", "=novalue", "key", 'q="open']))))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    final = draw(st.booleans())
    return lines, newline, final


def render(model):
    lines, newline, final = model
    out = []
    for line in lines:
        if line[0] == "section":
            out.append("[%s]%s" % (line[1], line[2]))
        elif line[0] == "key":
            out.append("%s%s%s%s" % line[1:])
        else:
            out.append(line[1])
    text = newline.join(out)
    if out and final:
        text += newline
    return text


def expected_effective(model, dialect):
    """WSL's reading of the model, derived from the rules rather than by parsing text."""
    from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import get_schema

    schema = get_schema(dialect)
    section, seen, values = None, set(), {}
    for line in model[0]:
        if line[0] == "section":
            section = line[1]
        elif line[0] == "invalid":
            if dialect == "wsl.conf":
                break
        elif line[0] == "key":
            if section is None:
                continue
            spec = schema.get(section, line[1])
            if spec is None or spec.id in seen:
                continue
            seen.add(spec.id)
            values.setdefault(spec.section, {})[spec.name] = line[3].lower() in ("true", "1")
    return values


def _assert_covers(text, entries):
    pos = 0
    for entry in entries:
        assert entry.start == pos
        assert entry.end > entry.start
        pos = entry.end
    assert pos == len(text)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab[]=#;\"\\ \t\r\nxyz01éß")), max_size=80),
       st.sampled_from(["wslconfig", "wsl.conf"]))
def test_any_text_tokenizes_into_contiguous_entries(text, dialect):
    entries = tokenize(text, dialect)
    _assert_covers(text, entries)
    doc = Document(text, dialect)
    assert doc.text == text
    doc.scan()  # never raises


@SETTINGS
@given(wslconfig_model(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_bytes_round_trip_and_effective_view(model, codec):
    text = render(model)
    data = {"utf-8": text.encode("utf-8"), "utf-8-sig": codecs.BOM_UTF8 + text.encode("utf-8"),
            "utf-16": codecs.BOM_UTF16_LE + text.encode("utf-16-le")}[codec]
    doc = Document.from_bytes(data, "wslconfig")
    assert doc.to_bytes() == data
    assert doc.scan().values == expected_effective(model, "wslconfig")


@SETTINGS
@given(wslconfig_model())
def test_wsl_conf_stops_at_first_invalid_line(model):
    # The same generated lines read as wsl.conf: the keys are unknown there, so only check where
    # WSL stops reading.
    text = render(model)
    scan = Document(text, "wsl.conf").scan()
    invalid = [i for i, line in enumerate(model[0]) if line[0] == "invalid"]
    if invalid:
        assert scan.ignored_from is not None
        assert scan.ignored_from.line == _wsl_line(model, invalid[0])
    else:
        assert scan.ignored_from is None


def _wsl_line(model, index):
    """The line WSL reports for model line ``index`` in wsl.conf, derived from configfile.cpp's
    counter: a section or key line without a trailing comment ended by CR LF counts twice (the
    CR ends the line, the LF is then read as an empty line); everything else counts once."""
    lines, newline = model[0], model[1]
    line = 1
    for item in lines[:index]:
        trailing_comment = "#" in (item[2] if item[0] == "section" else item[4] if item[0] == "key" else "")
        doubled = item[0] in ("section", "key") and not trailing_comment and newline == "\r\n"
        line += 2 if doubled else 1
    return line


def _is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def _lines(text):
    return [line.rstrip("\r\n") for line in text.splitlines(True)]


@SETTINGS
@given(wslconfig_model(), st.sampled_from(BOOL_KEYS), st.booleans())
def test_set_changes_only_that_key_and_is_idempotent(model, target, value):
    section, key = target
    data = render(model).encode("utf-8")
    doc = Document.from_bytes(data, "wslconfig")
    occurrence = doc.scan(stop_at_invalid=False).occurrence.get(("%s.%s" % target).lower())
    result = apply_settings(data, "wslconfig", {section: {key: value}})
    assert result.settings[section][key] is value
    before_lines = _lines(doc.text)
    if occurrence is not None:
        edited = set(range(occurrence.line - 1, occurrence.line - 1 + doc.text.count(
            "\n", occurrence.start, occurrence.end) + (0 if doc.text.endswith("\n", 0, occurrence.end) else 1)))
        before_lines = [line for i, line in enumerate(before_lines) if i not in edited]
    after_lines = _lines(result.after)
    assert _is_subsequence(before_lines, after_lines)
    assert len(after_lines) - len(before_lines) <= 4
    if result.changed:
        assert result.restart_required == "vm"
        assert result.data.decode("utf-8") == result.after
        again = apply_settings(result.data, "wslconfig", {section: {key: value}})
        assert not again.changed and again.data is None and again.restart_required is False


@SETTINGS
@given(wslconfig_model(), st.sampled_from(BOOL_KEYS), st.booleans())
def test_remove_then_readd_restores_semantics(model, target, value):
    section, key = target
    data = render(model).encode("utf-8")
    set_once = apply_settings(data, "wslconfig", {section: {key: value}})
    current = set_once.data or data
    removed = apply_settings(current, "wslconfig", {section: {key: None}}, state="absent")
    after_remove = removed.data or current
    assert key not in removed.settings.get(section, {})
    # no line outside the key's own occurrences was lost
    kept = [line for line in _lines(current.decode()) if not line.strip().lower().startswith(key.lower())]
    # Removing the last line of a file without a final newline takes the newline before it; a blank
    # line right before it then reads as that newline: only trailing blank lines may go.
    while kept and not kept[-1].strip():
        kept.pop()
    assert _is_subsequence(kept, _lines(after_remove.decode()))
    readded = apply_settings(after_remove, "wslconfig", {section: {key: value}})
    assert readded.settings == set_once.settings


@SETTINGS
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126) | st.sampled_from(["\t", "\n", "\b"]),
               max_size=40))
def test_encoded_values_read_back_exactly(value):
    raw = encode_value(value)
    for dialect in ("wslconfig", "wsl.conf"):
        entries = tokenize("[s]\nkey=%s # trailing\nnext=1\n" % raw, dialect)
        key = [e for e in entries if e.kind == "key"]
        assert key[0].value == value
        assert key[1].full == "s.next"


def _line_ids(lines, schema):
    """(index, spec id or None, section) for every key line of a model, tracking sections."""
    section, out = None, []
    for index, line in enumerate(lines):
        if line[0] == "section":
            section = line[1]
        elif line[0] == "key":
            spec = schema.get(section, line[1]) if section else None
            out.append((index, spec.id if spec else None, section))
    return out


def model_apply(model, op, section, key, value):
    """The same edit done on the list of lines, with the rules of the issue, not with the engine."""
    from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import get_schema

    schema = get_schema("wslconfig")
    lines, newline, final = list(model[0]), model[1], model[2]
    target = schema.get(section, key).id
    hits = [i for i, key_id, dummy in _line_ids(lines, schema) if key_id == target]
    drop = set()
    if op == "absent":
        drop.update(hits)
    else:
        text = "true" if value else "false"
        if hits:
            old = lines[hits[0]]
            lines[hits[0]] = ("key", old[1], old[2], text, old[4])
        else:
            lines += [("section", section, ""), ("key", key, "=", text, "")]
        if op == "exclusive":
            drop.update(hits[1:])
            drop.update(i for i, key_id, sec in _line_ids(lines, schema)
                        if sec is not None and sec.lower() == section.lower() and key_id != target)
    return [line for i, line in enumerate(lines) if i not in drop], newline, final


@SETTINGS
@given(wslconfig_model(),
       st.lists(st.tuples(st.sampled_from(["set", "set", "absent", "exclusive"]), st.sampled_from(BOOL_KEYS),
                          st.booleans(), st.sampled_from(["canonical", "experimental", "upper"])),
                min_size=1, max_size=6))
def test_edit_sequences_match_the_same_edits_on_a_model(model, operations):
    """After every edit, WSL's reading of the file equals the reading of the edited line model."""
    data = render(model).encode("utf-8")
    for op, (section, key), value, spelling in operations:
        if spelling == "experimental" and key.lower() in ALIASED:
            section = "experimental"   # the legacy spelling of a [wsl2] key
        elif spelling == "upper":
            section, key = section.upper(), key.upper()
        state = "absent" if op == "absent" else "present"
        result = apply_settings(data, "wslconfig", {section: {key: value}}, state=state,
                                exclusive=(op == "exclusive"))
        model = model_apply(model, op, section, key, value)
        data = result.data or data
        assert Document.from_bytes(data, "wslconfig").scan().values == expected_effective(model, "wslconfig")
        if op != "absent":
            assert not apply_settings(data, "wslconfig", {section: {key: value}}).changed


@SETTINGS
@given(wslconfig_model(keys=WSL_CONF_BOOL_KEYS, sections=("boot", "network", "interop", "automount")),
       st.sampled_from(WSL_CONF_BOOL_KEYS), st.booleans())
def test_wsl_conf_set_is_effective_or_says_why_not(model, target, value):
    section, key = target
    data = render(model).encode("utf-8")
    stop = Document.from_bytes(data, "wsl.conf").scan().ignored_from
    try:
        result = apply_settings(data, "wsl.conf", {section: {key: value}})
    except ConfigEditError as exc:
        # only an invalid line above every place the key could go may refuse it, named by line
        assert stop is not None
        assert "line %d" % stop.line in str(exc) and "nothing was changed" in str(exc)
        return
    expected = expected_effective(model, "wsl.conf")
    doc = Document.from_bytes(result.data or data, "wsl.conf")
    scan = doc.scan()
    assert scan.values == result.settings
    # never a success for a setting WSL will not see
    assert result.settings.get(section, {}).get(key) is value
    for other_section, other in expected.items():
        for other_key, other_value in other.items():
            if (other_section, other_key) != target:
                assert result.settings[other_section][other_key] is other_value
