# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wsl_info: read-only facts about WSL on a Windows host."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import (
    WindowsAction,
    check_account,
    prerequisite_problems,
    run_powershell,
    run_wsl,
    wslconfig_report,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import EFFECTIVE_NETWORKING_MODES
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_facts import (
    is_windows11,
    supports_mirrored,
    wsl_version_supported,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_parsers import (
    parse_windows_build,
    parse_wsl_list_quiet,
    parse_wsl_list_verbose,
    parse_wsl_policies,
    parse_wsl_version,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import HOST_FACTS_PS1

ARGUMENT_SPEC = dict(
    probe_effective=dict(type="bool", default=False),
    distribution=dict(type="str"),
    wsl_user=dict(type="str"),
    require_networking_mode=dict(type="str", choices=["nat", "mirrored"]),
    require_hyperv_firewall=dict(type="bool", default=False),
    require_distributions=dict(type="bool", default=False),
)


def build_info(facts, runs):
    """Combine the host facts and the wsl.exe runs (--version, -l -v, -l -q) into the result."""
    windows = parse_windows_build(facts.get("windows"))
    windows["is_windows11"] = is_windows11(windows["build"])
    version_run, verbose_run, quiet_run = runs
    versions = parse_wsl_version(version_run["stdout"]) if version_run["rc"] == 0 else None
    distros = parse_wsl_list_verbose(verbose_run["stdout"]) if verbose_run["rc"] == 0 else []
    quiet = parse_wsl_list_quiet(quiet_run["stdout"]) if quiet_run["rc"] == 0 else []
    # `-l -v` fails with a localized message when no distro exists; `-l -q` is empty with rc 0 then.
    known = set(d["name"] for d in distros)
    for name in quiet:
        if name not in known:
            distros.append({"name": name, "state": "unknown", "version": None, "default": False})
    wsl = {
        "version": (versions or {}).get("wsl"),
        "kernel_version": (versions or {}).get("kernel"),
        "wslg_version": (versions or {}).get("wslg"),
        "windows_version": (versions or {}).get("windows"),
        "supported": wsl_version_supported((versions or {}).get("wsl")),
        # Which wsl.exe answered: the MSI install location, Program Files, or the System32 stub.
        "executable": version_run.get("executable"),
        "executable_source": version_run.get("executable_source"),
        "warnings": [line for line in (version_run["stderr"] + verbose_run["stderr"]).splitlines()
                     if line.strip()],
    }
    mirrored = supports_mirrored(windows["build"], windows["ubr"])
    hyperv = bool(facts.get("hyperv_firewall_cmdlets")) and not facts.get("hyperv_firewall_disabled") and mirrored
    default = next((d["name"] for d in distros if d["default"]), None)
    return {
        "account": facts.get("account"),
        "account_sid": facts.get("account_sid"),
        "is_admin": bool(facts.get("is_admin")),
        "windows": windows,
        "wsl": wsl,
        "distributions": distros,
        "default_distribution": default,
        "running_distributions": [d["name"] for d in distros if d["state"] == "running"],
        "policies": parse_wsl_policies(facts.get("policies")),
        "support": {
            "mirrored_networking": mirrored,
            "hyperv_firewall": hyperv,
            # DisabledComponents=0xFF makes WSL fall back from mirrored to NAT (reference 1.4).
            "ipv6_disabled": facts.get("ipv6_disabled_components") == 255,
        },
        "wslconfig": wslconfig_report(facts.get("wslconfig_path"), facts.get("wslconfig_b64"), facts.get("policies")),
    }


def configured_mode(info):
    """The mode WSL will try at the next VM start: .wslconfig after machine policies, else the policy
    default, else NAT."""
    report = info["wslconfig"]
    for section in ("wsl2", "experimental"):
        for key, value in (report.get("effective") or {}).get(section, {}).items():
            if key.lower() == "networkingmode":
                return str(value).lower()
    return info["policies"].get("default_networking_mode") or "nat"


def parse_effective_mode(run):
    if run["rc"] != 0:
        return None
    word = run["stdout"].strip().lower()
    return word if word in EFFECTIVE_NETWORKING_MODES else None


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result, args = self.start(tmp, task_vars, ARGUMENT_SPEC)
        facts = run_powershell(self, HOST_FACTS_PS1, {}, task_vars, "reading host facts")
        check_account(facts.get("account"), args["wsl_user"], "wsl_info")
        runs = run_wsl(self, [["--version"], ["--list", "--verbose"], ["--list", "--quiet"]], task_vars)
        info = build_info(facts, runs)

        info["effective_networking_mode"] = None
        info["unknown"] = []
        info["policy_overrides"] = info["wslconfig"].get("policy_overrides", [])
        if args["probe_effective"] and self._task.check_mode:
            # wslinfo runs inside the distribution: `wsl --exec` would boot it (and the VM) from this session.
            info["unknown"].append(
                "effective networking mode: probing it needs `wsl --exec`, which may start the distribution and "
                "the WSL VM, and check mode starts nothing")
        elif args["probe_effective"]:
            distribution = args["distribution"] or info["default_distribution"]
            if not distribution:
                raise AnsibleActionFail("probe_effective needs a distribution, and '%s' has none registered"
                                        % info["account"])
            if distribution not in [d["name"] for d in info["distributions"]]:
                raise AnsibleActionFail("distribution %r is not registered for '%s' (registered: %s)" % (
                    distribution, info["account"], ", ".join(d["name"] for d in info["distributions"]) or "none"))
            # Starts the distribution if it is stopped; wslinfo reports the mode after WSL's fallbacks.
            probe = run_wsl(self, [["--distribution", distribution, "--exec", "wslinfo", "--networking-mode"]],
                            task_vars)[0]
            info["effective_networking_mode"] = parse_effective_mode(probe)
            info["probed_distribution"] = distribution
            if info["effective_networking_mode"] is None:
                self._display.warning("wslinfo --networking-mode in %s gave no mode (rc %d): %s" % (
                    distribution, probe["rc"], (probe["stderr"] or probe["stdout"]).strip()))

        # One answer for drift checks: what WSL runs when probed, else what it will run.
        if info["effective_networking_mode"]:
            info.update(networking_mode=info["effective_networking_mode"], networking_mode_source="probe")
        else:
            info.update(networking_mode=configured_mode(info), networking_mode_source="wslconfig")

        if not info["distributions"]:
            self._display.warning(
                "'%s' has no WSL distributions; distributions are per Windows user, so check that the task runs as "
                "the developer's account" % info["account"])
        result.update(info)
        result["changed"] = False

        problems = prerequisite_problems(info, args["require_networking_mode"], args["require_hyperv_firewall"],
                                         args["require_distributions"])
        if problems:
            result["failed"] = True
            result["problems"] = problems
            result["msg"] = "prerequisites not met: " + " | ".join(problems)
        return result
