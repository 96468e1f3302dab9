# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config engine against cases transcribed from WSL's own tests and source.

The cases live in wsl_upstream_cases.yml, each with the upstream file and test it comes from.
Every case runs through the engine (``read_config``) and, for ``.wslconfig`` cases that need no
host facts, through ``wsl_info``'s reading path (``wslconfig_report``) as well.
"""
from __future__ import annotations

import base64
import os

import pytest
import yaml

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import read_config
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import wslconfig_report

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "wsl_upstream_cases.yml"), encoding="utf-8") as _handle:
    DATA = yaml.safe_load(_handle)
CASES = DATA["cases"]
DEFAULT_PATH = {"wslconfig": "C:\\Users\\dev\\.wslconfig", "wsl.conf": "/etc/wsl.conf"}


def _input(case):
    text = DATA["prefixes"][case["prefix"]] if case.get("prefix") else ""
    return (text + case["text"]).encode("utf-8")


def _check(case, warnings, effective):
    path = case.get("path") or DEFAULT_PATH[case["kind"]]
    if "warnings" in case:
        expected = [w.replace("{path}", path) for w in case["warnings"]]
        assert len(warnings) == len(expected), warnings
        for ours, theirs in zip(warnings, expected):
            # WSL's text first, so a user can search for it; our note may follow.
            assert ours == theirs or ours.startswith(theirs + " ") or ours.startswith(theirs + ";"), (ours, theirs)
    for section, keys in (case.get("effective") or {}).items():
        for key, value in keys.items():
            got = effective.get(section, {})
            match = [k for k in got if k.lower() == key.lower()]
            assert match, (section, key, effective)
            assert got[match[0]] == value, (section, key, got[match[0]], value)
    for full in case.get("absent") or []:
        section, key = full.split(".")
        assert key.lower() not in [k.lower() for k in effective.get(section, {})], (full, effective)


def test_cases_name_their_upstream_source_and_are_distinct():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert case["source"].split()[0].startswith(("test/windows/", "src/")), case["id"]
        assert "warnings" in case or "effective" in case or "absent" in case, case["id"]
    for item in DATA["out_of_scope"]:
        assert item["source"] and item["why"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_engine_reads_like_wsl(case):
    path = case.get("path") or DEFAULT_PATH[case["kind"]]
    parsed = read_config(_input(case), case["kind"], policies=case.get("policies"), label=path,
                         host=case.get("host"))
    _check(case, parsed["warnings"], parsed["effective"])


WSL_INFO_CASES = [c for c in CASES if c["kind"] == "wslconfig" and not c.get("host")]


@pytest.mark.parametrize("case", WSL_INFO_CASES, ids=[c["id"] for c in WSL_INFO_CASES])
def test_wsl_info_reading_path_reads_like_wsl(case):
    path = case.get("path") or DEFAULT_PATH[case["kind"]]
    report = wslconfig_report(path, base64.b64encode(_input(case)).decode("ascii"), case.get("policies"))
    _check(case, report["warnings"], report["effective"])
