# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The schemas hold the reference's facts; these tests pin the ones others rely on."""
from __future__ import annotations

import pytest

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import (
    SchemaError,
    get_schema,
    parse_c_long,
    parse_size,
)

WSLCONFIG = get_schema("wslconfig")
WSLCONF = get_schema("wsl.conf")


@pytest.mark.parametrize("text, number", [
    ("10", 10), ("010", 8), ("0x10", 16), ("-5", -5), ("0", 0), (" 7", 7),
    ("08", None), ("0x", None), ("", None), ("1a", None), ("2147483648", None), ("1.5", None),
])
def test_c_integers(text, number):
    assert parse_c_long(text) == number


@pytest.mark.parametrize("text, size", [
    ("8GB", 8 << 30), ("8G", 8 << 30), ("512M", 512 << 20), ("1TB", 1 << 40), ("1024", 1024), ("0", 0),
    ("8gb", None), ("4 GB", None), ("1.5GB", None), ("GB", None), ("00", None), ("0KB", 0), ("08GB", 8 << 30),
    # strtoull, as WSL calls it, takes a sign and wraps a negative number around 2**64.
    ("-1GB", ((1 << 64) - (1 << 30))),
])
def test_sizes(text, size):
    assert parse_size(text) == size


def test_aliases_and_experimental_only_keys():
    assert WSLCONFIG.lookup("experimental.NETWORKINGMODE") is WSLCONFIG.lookup("wsl2.networkingMode")
    for key in ("networkingMode", "dnsTunneling", "firewall", "autoProxy"):
        assert WSLCONFIG.get("experimental", key).section == "wsl2"
    for key in ("hostAddressLoopback", "ignoredPorts", "dnsTunnelingIpAddress", "bestEffortDnsParsing",
                "initialAutoProxyTimeout", "autoMemoryReclaim", "sparseVhd"):
        assert WSLCONFIG.get("experimental", key) is not None
        assert WSLCONFIG.get("wsl2", key) is None
    assert WSLCONFIG.sections_of("hostAddressLoopback") == ["experimental"]


def test_every_documented_reference_key_is_known():
    wslconfig = ["wsl2.%s" % k for k in (
        "networkingMode localhostForwarding dnsTunneling dnsProxy firewall autoProxy ipv6 vmSwitch macAddress dhcp "
        "dhcpTimeout memory processors swap swapFile kernel kernelModules kernelCommandLine "
        "loadDefaultKernelModules loadKernelModules safeMode guiApplications gpuSupport debugConsole "
        "debugConsoleLogFile earlyBootLogging nestedVirtualization vmIdleTimeout maxCrashDumpCount crashDumpFolder "
        "defaultVhdSize hardwarePerformanceCounters virtio virtiofs virtio9p hostFileSystemAccess kernelBootTimeout "
        "distributionStartTimeout mountDeviceTimeout kernelDebugPort systemDistro telemetry isolateDistroCgroup"
    ).split()] + ["experimental.%s" % k for k in (
        "hostAddressLoopback ignoredPorts dnsTunnelingIpAddress bestEffortDnsParsing initialAutoProxyTimeout "
        "autoMemoryReclaim sparseVhd setVersionDebug swiotlb virtioFsAggregateShares").split()] + [
        "general.distributionInstallPath", "general.instanceIdleTimeout"]
    assert sorted(s.full for s in WSLCONFIG.keys) == sorted(wslconfig)
    wslconf = ["boot.systemd", "boot.command", "boot.protectBinfmt", "boot.initTimeout", "automount.enabled",
               "automount.root", "automount.options", "automount.mountFsTab", "automount.ldconfig",
               "automount.cgroups", "network.generateHosts", "network.generateResolvConf", "network.hostname",
               "interop.enabled", "interop.appendWindowsPath", "user.default", "gpu.enabled", "gpu.appendLibPath",
               "time.useWindowsTimezone", "filesystem.umask", "fileServer.enabled", "fileServer.logFile",
               "fileServer.logLevel", "fileServer.logTruncate", "general.guiApplications"]
    assert sorted(s.full for s in WSLCONF.keys) == sorted(wslconf)


def test_types_and_versions_from_the_reference():
    mode = WSLCONFIG.get("wsl2", "networkingMode").as_dict()
    assert mode["type"] == "enum" and "consomme" in mode["choices"] and mode["aliases"] == [
        "experimental.networkingMode"]
    assert mode["min_windows"].startswith("Windows 11 22H2")
    assert WSLCONF.get("boot", "systemd").min_wsl == "0.67.6"
    assert WSLCONFIG.get("wsl2", "safeMode").min_wsl == "0.66.2"
    assert WSLCONFIG.get("experimental", "ignoredPorts").type.name == "ports"
    assert WSLCONFIG.get("wsl2", "macAddress").type.name == "mac"
    assert WSLCONFIG.restart == "vm" and WSLCONF.restart == "distribution"


def test_policies_name_the_keys_they_override():
    assert WSLCONFIG.policy("allownetworkingmodeusersetting").overrides == ("wsl2.networkingMode",)
    assert WSLCONFIG.policy("AllowFirewallUserSetting").overrides == ("wsl2.firewall",)
    # WslCoreConfig.cpp: the kernel policy also drops custom kernel modules; two more policies.
    assert WSLCONFIG.policy("AllowKernelUserSetting").overrides == ("wsl2.kernel", "wsl2.kernelModules")
    assert WSLCONFIG.policy("AllowKernelCommandLineUserSetting").overrides == ("wsl2.kernelCommandLine",)
    assert WSLCONFIG.policy("AllowKernelDebugUserSetting").overrides == ("wsl2.kernelDebugPort",)
    assert WSLCONFIG.policy("AllowSystemDistroUserSetting").overrides == ("wsl2.systemDistro",)


@pytest.mark.parametrize("section, key, value, written", [
    ("wsl2", "dnsTunneling", True, "true"),
    ("wsl2", "dnsTunneling", "FALSE", "false"),
    ("wsl2", "memory", 1073741824, "1073741824"),
    ("wsl2", "memory", "8GB", "8GB"),
    ("wsl2", "networkingMode", "Mirrored", "mirrored"),
    ("experimental", "autoMemoryReclaim", "dropcache", "dropCache"),
    ("experimental", "ignoredPorts", [3000, "9000"], "3000,9000"),
    ("experimental", "ignoredPorts", "53, 3000", "53,3000"),
    ("wsl2", "vmIdleTimeout", -1, "-1"),
    ("wsl2", "vmIdleTimeout", "0x10", "0x10"),
])
def test_coerce_writes_spellings_wsl_reads(section, key, value, written):
    spec = WSLCONFIG.get(section, key)
    text = spec.type.coerce(value, spec)
    assert text == written
    ok, dummy, messages = spec.type.read(text)
    assert ok and messages == []


def test_wsl_conf_umask_is_written_in_octal():
    spec = WSLCONF.get("filesystem", "umask")
    assert spec.type.coerce(0o22, spec) == "022"
    assert spec.type.read("022")[1] == 18


@pytest.mark.parametrize("section, key, value", [
    ("wsl2", "dnsTunneling", "on"), ("wsl2", "dnsTunneling", 1), ("wsl2", "memory", "4 GB"),
    ("wsl2", "memory", True), ("wsl2", "processors", True), ("wsl2", "networkingMode", 3),
    ("experimental", "ignoredPorts", "80:81"), ("experimental", "ignoredPorts", [65536]),
    ("wsl2", "kernel", ["C:\\k"]),
])
def test_coerce_rejects(section, key, value):
    spec = WSLCONFIG.get(section, key)
    with pytest.raises(SchemaError) as err:
        spec.type.coerce(value, spec)
    message = str(err.value)
    assert spec.full in message and ("rule" in message or "range" in message)


def test_port_lists_are_read_like_wsl_and_oddities_reported():
    # WslCoreConfig.cpp: split on commas (empty items dropped), std::stoi per item, a set of ports;
    # each item WSL cannot use is reported with the whole value, trailing text is dropped silently.
    spec = WSLCONFIG.get("experimental", "ignoredPorts")
    assert spec.type.read("9000, 3000,3000") == (True, [3000, 9000], [])
    ok, ports, messages = spec.type.read("8000-8010,70000,x", "experimental.ignoredPorts", ".wslconfig:3")
    assert ok and ports == [8000]
    assert messages == ["Invalid integer value '8000-8010,70000,x' for key 'experimental.ignoredPorts' in "
                        ".wslconfig:3"] * 2
    assert spec.type.compare_key("8000-8010") == [8000]
    assert spec.type.compare_key("x") is None
