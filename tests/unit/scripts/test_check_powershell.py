"""The PowerShell syntax gate must really fail on broken scripts, not only pass good ones."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
GATE = REPO / "scripts" / "check_powershell.py"
spec = importlib.util.spec_from_file_location("check_powershell", GATE)
check_powershell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_powershell)


def test_valid_script_passes():
    script = "[CmdletBinding()]\nparam([string]$Name)\n$ErrorActionPreference = 'Stop'\nif ($Name) { Get-Service -Name $Name }\n"
    assert check_powershell.first_error(script) is None


def test_unclosed_block_is_reported_with_its_line():
    script = "$a = 1\nif ($a) {\n  Write-Output $a\n"
    error = check_powershell.first_error(script)
    assert error is not None
    assert error[0] >= 2


def test_gate_exits_nonzero_on_broken_file(tmp_path):
    broken = tmp_path / "broken.ps1"
    broken.write_text("function Get-Thing {\n  param($x\n  $x + \n}\n", encoding="utf-8")
    good = tmp_path / "good.ps1"
    good.write_text("Get-ChildItem -Path 'C:\\' | Select-Object -First 1\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(GATE), str(broken), str(good)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "broken.ps1" in proc.stdout
    assert "good.ps1" not in proc.stdout.split("pwsh-syntax:")[0]


def test_python_constants_and_yaml_tasks_are_collected(tmp_path, monkeypatch):
    pyfile = tmp_path / "_scripts.py"
    pyfile.write_text('READ_PS1 = "Get-Item $x"\nOTHER = "not powershell {"\n', encoding="utf-8")
    monkeypatch.setattr(check_powershell, "REPO", tmp_path)
    found = list(check_powershell.python_constants(pyfile))
    assert [text for dummy, text in found] == ["Get-Item $x"]
    tasks = tmp_path / "tasks.yml"
    tasks.write_text(
        "- name: t\n  ansible.windows.win_powershell:\n    script: |\n      Get-Date\n"
        "- name: s\n  ansible.windows.win_shell: Get-Process\n",
        encoding="utf-8",
    )
    assert [text for dummy, text in check_powershell.yaml_scripts(tasks)] == ["Get-Date\n", "Get-Process"]


def test_scripts_assembled_at_import_time_are_checked_too():
    checked = dict(check_powershell.collect())
    assembled = sorted(origin.split("(")[1].split(")")[0] for origin in checked if origin.endswith("assembled"))
    assert assembled == ["PORTPROXY_APPLY_PS1", "PORTPROXY_SYNC_PS1", "WSL_EXEC_PS1"]
    # The checked text is the one the plugins send, shared functions included.
    sync = next(text for origin, text in checked.items() if "(PORTPROXY_SYNC_PS1)" in origin)
    assert "function Get-WslExecutable" in sync
