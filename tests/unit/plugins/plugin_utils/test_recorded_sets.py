# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recordings from real laptops (test_data/windows/recorded/<laptop>/, written by the
wslfleet.networking.record playbook) replayed through the parsers, and the recorder itself."""

from __future__ import annotations

import base64
import json
import os
import sys

import pytest

from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows as w
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_parsers as p
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_scripts as scripts

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "action"))
import _win_powershell_model as model  # noqa: E402 pylint: disable=wrong-import-position
from _windows_fakes import FakeHost, make_action  # noqa: E402 pylint: disable=wrong-import-position

RECORDED = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "windows", "recorded")
FILES = sorted(os.path.join(root, f) for root, dummy, files in os.walk(RECORDED) for f in files
               if f.endswith(".json") and not f.startswith("."))


def _replay(record):
    result = record["result"]
    name = record["script"]
    if name == "HOST_FACTS_PS1":
        p.parse_windows_build(result["windows"])
        p.parse_wsl_policies(result["policies"])
    elif name == "WSL_EXEC_PS1":
        for run in result["runs"]:
            p.decode_wsl_output(run["stdout"])
    elif name == "PORTPROXY_READ_PS1":
        p.parse_portproxy_registry(result["rules"])
    elif name == "HYPERV_RULE_READ_PS1":
        for rule in result["rules"]:
            p.normalize_hyperv_rule(rule)
    elif name == "HYPERV_VM_SETTING_READ_PS1":
        p.normalize_vm_setting(result["persistent"])
        p.normalize_vm_setting(result["active"])


@pytest.mark.skipif(not FILES, reason="no laptop recording has been contributed yet (see recorded/README.md)")
@pytest.mark.parametrize("path", FILES or [None])
def test_every_recorded_result_replays(path):
    with open(path, encoding="utf-8") as handle:
        record = json.load(handle)
    assert record["_source"] and record["script"] in dir(scripts)
    assert not record.get("failed"), record.get("error")
    # A recording is already converted: converting again at its depth changes nothing.
    assert model.convert(record["result"], record["depth"]) == record["result"]
    _replay(record)


def test_recorder_writes_anonymised_results_in_the_replay_format(tmp_path):
    facts = {"account": "ACME-PC42\\jsmith", "account_sid": "S-1-5-21-111-222-333-1001",
             "wslconfig_path": "C:\\Users\\jsmith\\.wslconfig",
             "wslconfig_b64": base64.b64encode(b"[wsl2]\r\nkernel=C:\\\\Users\\\\jsmith\\\\k\r\n").decode()}
    fake = FakeHost().on("HOST_FACTS_PS1", {"changed": False, "failed": False, "result": facts})
    fake.wsl = {("--distribution", "U", "--exec", "hostname", "-I"): (0, b"172.28.176.5 192.168.10.23 \n", b"")}
    action = make_action(type("Probe", (w.ActionBase,), {"run": lambda self, tmp=None, task_vars=None: {}}), {}, fake)
    task_vars = {w.RECORD_DIR_VAR: str(tmp_path)}
    w.run_powershell(action, scripts.HOST_FACTS_PS1, {}, task_vars, "reading")
    w.run_wsl(action, [["--distribution", "U", "--exec", "hostname", "-I"]], task_vars)

    written = sorted(f for f in os.listdir(str(tmp_path)) if not f.startswith("."))
    assert written == ["HOST_FACTS_PS1-0.json", "WSL_EXEC_PS1-0.json"]
    text = "".join((tmp_path / f).read_text() for f in written)
    for secret in ("ACME-PC42", "jsmith", "111-222-333", "172.28.176.5", "192.168.10.23"):
        assert secret not in text
    host = json.loads((tmp_path / "HOST_FACTS_PS1-0.json").read_text())
    assert host["result"]["account"] == "LAPTOP01\\dev" and host["depth"] == w.RESULT_DEPTH
    assert b"jsmith" not in base64.b64decode(host["result"]["wslconfig_b64"])
    run = json.loads((tmp_path / "WSL_EXEC_PS1-0.json").read_text())["result"]["runs"][0]
    assert p.parse_hostname_i(p.decode_wsl_output(run["stdout"])) == "172.28.0.37"
