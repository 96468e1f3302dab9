# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import base64
import re

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.action import wsl_info
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_scripts

from _windows_fakes import FakeHost, load, make_action, wsl_output

VERSION = ("--version",)
LIST_V = ("--list", "--verbose")
LIST_Q = ("--list", "--quiet")
PROBE = ("--distribution", "Ubuntu-24.04", "--exec", "wslinfo", "--networking-mode")
QUIET = "Ubuntu-24.04\r\ndocker-desktop\r\nDebian\r\n".encode("utf-16-le")


def host(facts="host_facts_win11_23h2.json", version="wsl_version_en.utf8", listing="wsl_list_verbose.utf16le"):
    fake = FakeHost()
    fake.on("HOST_FACTS_PS1", load(facts))
    fake.wsl = {
        VERSION: (0, wsl_output(version), b""),
        LIST_V: (0, wsl_output(listing), b""),
        LIST_Q: (0, QUIET, b""),
        PROBE: (0, b"mirrored\n", b""),
    }
    return fake


def run(args, fake, **kw):
    return make_action(wsl_info.ActionModule, args, fake, **kw).run(task_vars={})


def test_windows11_host_report():
    fake = host()
    result = run({}, fake)
    assert result["changed"] is False and not result.get("failed")
    assert result["account"] == "LAPTOP01\\dev"
    assert result["windows"]["build"] == 22631 and result["windows"]["ubr"] == 4317
    assert result["windows"]["is_windows11"] is True
    assert result["wsl"]["version"] == "2.3.26.0" and result["wsl"]["kernel_version"] == "5.15.167.4-1"
    assert result["wsl"]["supported"] is True
    assert result["default_distribution"] == "Ubuntu-24.04"
    assert result["running_distributions"] == ["Ubuntu-24.04"]
    assert [d["name"] for d in result["distributions"]] == ["Ubuntu-24.04", "docker-desktop", "Debian"]
    assert result["support"] == {"mirrored_networking": True, "hyperv_firewall": True, "ipv6_disabled": False}
    assert result["wslconfig"]["exists"] is True and result["wslconfig"]["path"] == "C:\\Users\\dev\\.wslconfig"
    assert result["effective_networking_mode"] is None
    assert PROBE not in [tuple(c) for c in fake.wsl_calls()], "no probe unless asked: it starts the distro"


@pytest.mark.parametrize("executable", [("C:\\Program Files\\WSL\\wsl.exe", "msi_install_location"),
                                        ("C:\\Windows\\System32\\wsl.exe", "system32")])
def test_reports_which_wsl_exe_answered(executable):
    fake = host()
    fake.wsl_executable = executable
    result = run({}, fake)
    assert (result["wsl"]["executable"], result["wsl"]["executable_source"]) == executable


def test_wsl_exe_is_resolved_in_one_place_msi_location_first():
    """Store/MSI WSL's System32 stub fails from session 0 (microsoft/WSL#9231): the MSI install
    location comes first, then Program Files, and System32 last (inbox WSL)."""
    resolver = _windows_scripts._WSL_RESOLVE_FUNCTION
    order = [resolver.index(s) for s in ("Lxss\\MSI", "'WSL\\wsl.exe'", "'System32\\wsl.exe'")]
    assert order == sorted(order)
    for name in (n for n in dir(_windows_scripts) if n.endswith("_PS1")):
        text = getattr(_windows_scripts, name).replace(resolver, "")
        assert not re.search(r"\\wsl\.exe'", text), "%s names a wsl.exe path instead of using Get-WslExecutable" % name
    assert resolver in _windows_scripts.WSL_EXEC_PS1 and resolver in _windows_scripts.PORTPROXY_SYNC_PS1


def test_localized_version_output_in_utf16():
    result = run({}, host(version="wsl_version_de.utf16le"))
    assert result["wsl"]["version"] == "2.3.26.0" and result["wsl"]["windows_version"] == "10.0.22631.4317"


def test_probe_effective_reports_wslinfo_mode():
    result = run({"probe_effective": True}, host())
    assert result["effective_networking_mode"] == "mirrored"
    assert result["probed_distribution"] == "Ubuntu-24.04"


def test_probe_effective_with_garbage_gives_none():
    fake = host()
    fake.wsl[PROBE] = (1, b"", b"wslinfo: not found\n")
    assert run({"probe_effective": True}, fake)["effective_networking_mode"] is None


def test_probe_of_unknown_distribution_fails():
    with pytest.raises(AnsibleActionFail, match="'Alpine' is not registered"):
        run({"probe_effective": True, "distribution": "Alpine"}, host())


def test_windows10_host_fails_mirrored_requirement_with_fixes():
    fake = host(facts="host_facts_win10.json", version="wsl_version_inbox.utf16le")
    fake.wsl[LIST_V] = (-1, b"", b"")
    fake.wsl[LIST_Q] = (0, b"", b"")
    result = run({"require_networking_mode": "mirrored", "require_hyperv_firewall": True,
                  "require_distributions": True}, fake)
    assert result["failed"] is True
    text = " ".join(result["problems"])
    assert "wsl --update" in text
    assert "Windows 10" in text
    assert "AllowNetworkingModeUserSetting=0" in text and "enforces 'nat'" in text
    assert "per Windows user" in text
    assert result["wsl"]["version"] is None
    assert result["support"]["ipv6_disabled"] is True
    assert result["policies"]["default_networking_mode"] == "nat"


def test_policy_matching_the_request_is_no_problem():
    fake = host(facts="host_facts_win10.json")
    result = run({"require_networking_mode": "nat"}, fake)
    assert not result.get("failed"), result.get("problems")


def test_wrong_account_is_refused():
    with pytest.raises(AnsibleActionFail, match="wsl_user"):
        run({"wsl_user": "someone"}, host())


def test_distro_listed_only_by_quiet_is_kept():
    fake = host()
    fake.wsl[LIST_V] = (-1, b"", b"")
    result = run({}, fake)
    assert [d["state"] for d in result["distributions"]] == ["unknown"] * 3


def test_wslconfig_is_parsed_by_the_collection_engine():
    result = run({}, host())
    assert result["wslconfig"]["settings"] == {"wsl2": {"networkingMode": "mirrored", "dnsTunneling": True},
                                               "experimental": {"hostAddressLoopback": True}}
    assert result["wslconfig"]["effective"] == result["wslconfig"]["settings"]


def test_policy_overrides_show_in_effective_wslconfig():
    facts = load("host_facts_win10.json")
    facts["result"]["wslconfig_b64"] = load("host_facts_win11_23h2.json")["result"]["wslconfig_b64"]
    fake = host()
    fake.on("HOST_FACTS_PS1", facts)
    report = run({}, fake)["wslconfig"]
    assert report["settings"]["wsl2"]["networkingMode"] == "mirrored"
    assert report["effective"]["wsl2"]["networkingMode"] == "nat"
    assert report["policy_overrides"][0]["policy"] == "AllowNetworkingModeUserSetting"


def test_missing_wslconfig():
    fake = host()
    facts = load("host_facts_win11_23h2.json")
    facts["result"]["wslconfig_b64"] = None
    fake.on("HOST_FACTS_PS1", facts)
    report = run({}, fake)["wslconfig"]
    assert report["exists"] is False and report["effective"] == {}


def test_undecodable_wslconfig_is_a_warning_not_a_failure():
    fake = host()
    facts = load("host_facts_win11_23h2.json")
    # UTF-16 without BOM: WSL itself misreads it (reference 1.1); the engine refuses to guess.
    facts["result"]["wslconfig_b64"] = base64.b64encode("[wsl2]\r\n".encode("utf-16-le")).decode()
    fake.on("HOST_FACTS_PS1", facts)
    result = run({}, fake)
    report = result["wslconfig"]
    assert report["exists"] is True and report["settings"] == {}
    assert "UTF-16 without a byte order mark" in report["warnings"][0]
    assert result["networking_mode"] == "nat", "WSL falls back to its default when it cannot read the file"


def test_utf16_wslconfig_with_bom_and_wsl_warnings():
    fake = host()
    facts = load("host_facts_win11_23h2.json")
    facts["result"]["wslconfig_b64"] = base64.b64encode(
        b"\xff\xfe" + "[wsl2]\r\nnetworkingMode=bogus\r\nfoo=1\r\n".encode("utf-16-le")).decode()
    fake.on("HOST_FACTS_PS1", facts)
    report = run({}, fake)["wslconfig"]
    assert report["settings"] == {}
    assert any("Unknown key 'wsl2.foo'" in w for w in report["warnings"])


def test_networking_mode_comes_from_the_probe_when_asked():
    fake = host()
    fake.wsl[PROBE] = (0, b"nat\n", b"")
    result = run({"probe_effective": True}, fake)
    assert (result["networking_mode"], result["networking_mode_source"]) == ("nat", "probe")


def test_networking_mode_from_wslconfig_after_policies():
    assert run({}, host())["networking_mode"] == "mirrored"
    fake = host(facts="host_facts_win10.json")
    result = run({}, fake)
    assert (result["networking_mode"], result["networking_mode_source"]) == ("nat", "wslconfig")


def test_probe_without_any_distribution_fails():
    fake = host()
    fake.wsl[LIST_V] = (-1, b"", b"")
    fake.wsl[LIST_Q] = (0, b"", b"")
    with pytest.raises(AnsibleActionFail, match="has none registered"):
        run({"probe_effective": True}, fake)


def test_check_mode_probes_nothing_and_says_the_mode_is_unknown():
    fake = host()
    result = run({"probe_effective": True}, fake, check_mode=True)
    assert [c for c in fake.wsl_calls() if "--exec" in c] == [], "check mode must not start the distribution"
    assert result["effective_networking_mode"] is None
    assert result["networking_mode_source"] == "wslconfig"
    assert "check mode starts nothing" in result["unknown"][0]
