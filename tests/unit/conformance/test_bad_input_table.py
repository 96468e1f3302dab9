# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every bad input the two config-file plugins and guest_info refuse, one row each.

Each row runs the real plugin against a real file in a temporary directory and asserts that the
run failed, that the message names the key or option and the value (where there is one) and the
rule it broke, and that the file's sha256 did not change. Paths that are FIFOs, devices, sockets
or directories run under a timeout, so a plugin that opened one would fail the row, not hang.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import signal
import socket
import stat as statmod
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from _core_compat import patch_module_args
from ansible.playbook.play_context import PlayContext
from ansible.release import __version__ as ansible_core_version

from ansible_collections.wslfleet.networking.plugins.action.wslconfig import ActionModule as WslconfigAction
from ansible_collections.wslfleet.networking.plugins.modules import guest_info, wsl_conf

WSL_CONF = b"# mine\n[boot]\nsystemd=false  # not yet\n\n[network]\nhostname=devbox\n"
WSLCONFIG = b"[wsl2]\r\nmemory=4GB\r\n# keep\r\n[experimental]\r\nautoMemoryReclaim=gradual\r\n"
STOPPED = b"[boot]\nsystemd=true\n; Ubuntu-style comment\n[network]\nhostname=devbox\n"
LONG = "k" * (1 << 20)

# (id, plugin, settings or None, extra options, file kind, must appear in the message)
# file kinds: "file" (the plugin's sample file), "stopped" (wsl.conf with an invalid line), "fifo", "dir",
# "chardev", "socket", "broken_link", "link_to_fifo", "link" (to a regular file), "utf16be", "undecodable",
# or "path:<literal>" for a path given as text.
ROWS = [
    # ---- wsl_conf: network.hostname (WSL's CleanHostname rules; Linux host names) ----
    ("hostname-newline", "wsl_conf", {"network": {"hostname": "dev\nbox"}}, {}, "file", ["network.hostname", "dev\\nbox"]),
    ("hostname-shell", "wsl_conf", {"network": {"hostname": "dev;rm -rf /"}}, {}, "file", ["network.hostname", "dev;rm"]),
    ("hostname-space", "wsl_conf", {"network": {"hostname": "dev box"}}, {}, "file", ["network.hostname", "dev box"]),
    ("hostname-300", "wsl_conf", {"network": {"hostname": "h" * 300}}, {}, "file", ["network.hostname", "300 characters"]),
    ("hostname-65", "wsl_conf", {"network": {"hostname": "h" * 65}}, {}, "file", ["network.hostname", "65 characters", "64"]),
    ("hostname-leading-hyphen", "wsl_conf", {"network": {"hostname": "-dev"}}, {}, "file", ["network.hostname", "-dev"]),
    ("hostname-two-dots", "wsl_conf", {"network": {"hostname": "dev.corp.lab"}}, {}, "file", ["network.hostname", "dev.corp.lab"]),
    ("hostname-underscore", "wsl_conf", {"network": {"hostname": "dev_box"}}, {}, "file", ["network.hostname", "dev_box"]),
    ("hostname-empty", "wsl_conf", {"network": {"hostname": ""}}, {}, "file", ["network.hostname", "''"]),
    ("hostname-non-ascii", "wsl_conf", {"network": {"hostname": "d\u00e9v"}}, {}, "file", ["network.hostname", "d\u00e9v"]),
    ("hostname-trailing-dot", "wsl_conf", {"network": {"hostname": "dev."}}, {}, "file", ["network.hostname", "dev."]),
    # ---- wsl_conf: user.default (useradd's user name rule) ----
    ("user-space", "wsl_conf", {"user": {"default": "dev user"}}, {}, "file", ["user.default", "dev user"]),
    ("user-digit-first", "wsl_conf", {"user": {"default": "1dev"}}, {}, "file", ["user.default", "1dev"]),
    ("user-upper", "wsl_conf", {"user": {"default": "Dev"}}, {}, "file", ["user.default", "Dev"]),
    ("user-33", "wsl_conf", {"user": {"default": "u" * 33}}, {}, "file", ["user.default", "33 characters", "32"]),
    ("user-path", "wsl_conf", {"user": {"default": "../etc"}}, {}, "file", ["user.default", "../etc"]),
    ("user-colon", "wsl_conf", {"user": {"default": "dev:x"}}, {}, "file", ["user.default", "dev:x"]),
    ("user-empty", "wsl_conf", {"user": {"default": ""}}, {}, "file", ["user.default", "''"]),
    # ---- wsl_conf: automount.root ----
    ("root-relative", "wsl_conf", {"automount": {"root": "mnt"}}, {}, "file", ["automount.root", "'mnt'", "absolute"]),
    ("root-dot", "wsl_conf", {"automount": {"root": "./mnt"}}, {}, "file", ["automount.root", "./mnt"]),
    ("root-empty", "wsl_conf", {"automount": {"root": ""}}, {}, "file", ["automount.root", "''"]),
    # ---- wsl_conf: booleans, integers, enums ----
    ("bool-yes", "wsl_conf", {"boot": {"systemd": "yes"}}, {}, "file", ["boot.systemd", "'yes'"]),
    ("bool-on", "wsl_conf", {"boot": {"systemd": "on"}}, {}, "file", ["boot.systemd", "'on'"]),
    ("bool-int", "wsl_conf", {"boot": {"systemd": 2}}, {}, "file", ["boot.systemd", "2"]),
    ("bool-maybe", "wsl_conf", {"network": {"generateHosts": "maybe"}}, {}, "file", ["network.generateHosts", "maybe"]),
    ("int-unit", "wsl_conf", {"boot": {"initTimeout": "10s"}}, {}, "file", ["boot.initTimeout", "10s"]),
    ("int-float", "wsl_conf", {"boot": {"initTimeout": "1e4"}}, {}, "file", ["boot.initTimeout", "1e4"]),
    ("int-huge", "wsl_conf", {"boot": {"initTimeout": "99999999999"}}, {}, "file", ["boot.initTimeout", "99999999999"]),
    ("int-bool", "wsl_conf", {"boot": {"initTimeout": True}}, {}, "file", ["boot.initTimeout", "True"]),
    ("int-arabic-digits", "wsl_conf", {"boot": {"initTimeout": "\u0663\u0660"}}, {}, "file", ["boot.initTimeout", "ASCII"]),
    ("int-negative", "wsl_conf", {"boot": {"initTimeout": -1}}, {}, "file", ["boot.initTimeout", "-1", "minimum"]),
    ("umask-bad-octal", "wsl_conf", {"filesystem": {"umask": "0999"}}, {}, "file", ["filesystem.umask", "0999"]),
    ("umask-too-big", "wsl_conf", {"filesystem": {"umask": 0o1000}}, {}, "file", ["filesystem.umask", "512", "maximum"]),
    ("umask-word", "wsl_conf", {"filesystem": {"umask": "abc"}}, {}, "file", ["filesystem.umask", "abc"]),
    ("cgroups-v3", "wsl_conf", {"automount": {"cgroups": "v3"}}, {}, "file", ["automount.cgroups", "v3"]),
    # ---- wsl_conf: names, shapes, strings ----
    ("unknown-key", "wsl_conf", {"network": {"mtu": 1400}}, {}, "file", ["network.mtu", "unknown key"]),
    ("key-underscore", "wsl_conf", {"boot": {"command_line": "x"}}, {}, "file", ["command_line", "not a valid WSL key name"]),
    ("key-hyphen", "wsl_conf", {"boot": {"boot-cmd": "x"}}, {}, "file", ["boot-cmd", "not a valid WSL key name"]),
    ("section-digit", "wsl_conf", {"1boot": {"systemd": True}}, {}, "file", ["1boot", "section"]),
    ("section-space", "wsl_conf", {"boot section": {"systemd": True}}, {}, "file", ["boot section", "section"]),
    ("section-not-dict", "wsl_conf", {"boot": "systemd=true"}, {}, "file", ["settings.boot", "systemd=true"]),
    ("value-none", "wsl_conf", {"boot": {"command": None}}, {}, "file", ["boot.command", "None"]),
    ("same-key-twice", "wsl_conf", {"boot": {"systemd": True, "SYSTEMD": False}}, {}, "file", ["boot.systemd", "boot.SYSTEMD"]),
    ("control-char", "wsl_conf", {"boot": {"command": "echo \x07"}}, {}, "file", ["boot.command", "\\x07"]),
    ("carriage-return", "wsl_conf", {"boot": {"command": "echo a\rb"}}, {}, "file", ["boot.command", "\\r"]),
    ("non-ascii-command", "wsl_conf", {"boot": {"command": "ls \u2713"}}, {}, "file", ["boot.command", "non-ASCII"]),
    ("wrong-section", "wsl_conf", {"network": {"systemd": True}}, {}, "file", ["network.systemd", "[boot]"]),
    ("wsl-conf-key-in-wsl-conf", "wsl_conf", {"wsl2": {"memory": "4GB"}}, {}, "file", ["wsl2.memory", "unknown key"]),
    # ---- wsl_conf: where WSL stops reading ----
    ("below-stop-line", "wsl_conf", {"network": {"hostname": "box2"}}, {}, "stopped", ["network.hostname", "line 5", "line 3"]),
    ("section-below-stop", "wsl_conf", {"time": {"useWindowsTimezone": True}}, {}, "stopped", ["[time]", "line 3"]),
    # ---- wsl_conf: the path ----
    ("conf-path-empty", "wsl_conf", {"boot": {"systemd": True}}, {}, "path:", ["path", "''"]),
    ("conf-path-relative", "wsl_conf", {"boot": {"systemd": True}}, {}, "path:etc/wsl.conf", ["path", "etc/wsl.conf", "absolute"]),
    ("conf-path-nul", "wsl_conf", {"boot": {"systemd": True}}, {}, "path:/tmp/wsl\x00.conf", ["path", "NUL"]),
    ("conf-fifo", "wsl_conf", {"boot": {"systemd": True}}, {}, "fifo", ["path", "fifo", "regular file"]),
    ("conf-dir", "wsl_conf", {"boot": {"systemd": True}}, {}, "dir", ["path", "directory", "regular file"]),
    ("conf-chardev", "wsl_conf", {"boot": {"systemd": True}}, {}, "chardev", ["path", "special", "character device"]),
    ("conf-socket", "wsl_conf", {"boot": {"systemd": True}}, {}, "socket", ["path", "socket", "regular file"]),
    ("conf-broken-link", "wsl_conf", {"boot": {"systemd": True}}, {}, "broken_link", ["path", "symbolic link to nothing"]),
    ("conf-link-to-fifo", "wsl_conf", {"boot": {"systemd": True}}, {}, "link_to_fifo", ["path", "fifo", "regular file"]),
    ("conf-undecodable", "wsl_conf", {"boot": {"systemd": True}}, {}, "undecodable", ["cannot be decoded", "UTF-8"]),
    # ---- wslconfig: sizes (WSL's memory strings; 64TB upper limit) ----
    ("size-huge", "wslconfig", {"wsl2": {"memory": "99999999999999999999999GB"}}, {}, "file", ["wsl2.memory", "64TB"]),
    ("size-over-64tb", "wslconfig", {"wsl2": {"swap": "65TB"}}, {}, "file", ["wsl2.swap", "65TB", "64TB"]),
    ("size-lower-case", "wslconfig", {"wsl2": {"memory": "8gb"}}, {}, "file", ["wsl2.memory", "8gb"]),
    ("size-space", "wslconfig", {"wsl2": {"memory": "4 GB"}}, {}, "file", ["wsl2.memory", "4 GB"]),
    ("size-decimal", "wslconfig", {"wsl2": {"memory": "1.5GB"}}, {}, "file", ["wsl2.memory", "1.5GB"]),
    ("size-negative", "wslconfig", {"wsl2": {"memory": -1}}, {}, "file", ["wsl2.memory", "-1", "negative"]),
    ("size-double-zero", "wslconfig", {"wsl2": {"memory": "00GB"}}, {}, "file", ["wsl2.memory", "00GB"]),
    ("size-fullwidth", "wslconfig", {"wsl2": {"memory": "\uff18GB"}}, {}, "file", ["wsl2.memory", "ASCII"]),
    ("size-petabyte", "wslconfig", {"wsl2": {"defaultVhdSize": "1PB"}}, {}, "file", ["wsl2.defaultVhdSize", "1PB"]),
    ("size-bool", "wslconfig", {"wsl2": {"swap": True}}, {}, "file", ["wsl2.swap", "True"]),
    ("cmdline-1mib", "wslconfig", {"wsl2": {"kernelCommandLine": LONG}}, {}, "file", ["wsl2.kernelCommandLine", "2048"]),
    # ---- wslconfig: numbers, enums, ports, addresses ----
    ("processors-zero", "wslconfig", {"wsl2": {"processors": 0}}, {}, "file", ["wsl2.processors", "0", "minimum"]),
    ("processors-word", "wslconfig", {"wsl2": {"processors": "two"}}, {}, "file", ["wsl2.processors", "two"]),
    ("processors-space", "wslconfig", {"wsl2": {"processors": "4 "}}, {}, "file", ["wsl2.processors", "'4 '"]),
    ("vm-idle-decimal", "wslconfig", {"wsl2": {"vmIdleTimeout": "1.5"}}, {}, "file", ["wsl2.vmIdleTimeout", "1.5"]),
    ("dhcp-timeout-negative", "wslconfig", {"wsl2": {"dhcpTimeout": -5}}, {}, "file", ["wsl2.dhcpTimeout", "-5"]),
    ("mode-typo", "wslconfig", {"wsl2": {"networkingMode": "mirored"}}, {}, "file", ["wsl2.networkingMode", "mirored"]),
    ("mode-number", "wslconfig", {"wsl2": {"networkingMode": 3}}, {}, "file", ["wsl2.networkingMode", "3"]),
    ("reclaim-typo", "wslconfig", {"experimental": {"autoMemoryReclaim": "fast"}}, {}, "file",
     ["experimental.autoMemoryReclaim", "fast"]),
    ("ports-range", "wslconfig", {"experimental": {"ignoredPorts": "8000-8010"}}, {}, "file",
     ["experimental.ignoredPorts", "8000-8010"]),
    ("ports-zero", "wslconfig", {"experimental": {"ignoredPorts": [0]}}, {}, "file", ["experimental.ignoredPorts", "0"]),
    ("ports-too-big", "wslconfig", {"experimental": {"ignoredPorts": [70000]}}, {}, "file",
     ["experimental.ignoredPorts", "70000"]),
    ("ports-arabic-digits", "wslconfig", {"experimental": {"ignoredPorts": "\u0668\u0660"}}, {}, "file",
     ["experimental.ignoredPorts", "ASCII"]),
    ("ports-superscript", "wslconfig", {"experimental": {"ignoredPorts": ["\u00b2"]}}, {}, "file",
     ["experimental.ignoredPorts", "ASCII"]),
    ("ports-bool", "wslconfig", {"experimental": {"ignoredPorts": True}}, {}, "file", ["experimental.ignoredPorts", "True"]),
    ("mac-bad", "wslconfig", {"wsl2": {"macAddress": "zz:zz"}}, {}, "file", ["wsl2.macAddress", "zz:zz"]),
    ("ip-short", "wslconfig", {"experimental": {"dnsTunnelingIpAddress": "1.2.3"}}, {}, "file",
     ["experimental.dnsTunnelingIpAddress", "1.2.3"]),
    ("ip-leading-zero", "wslconfig", {"experimental": {"dnsTunnelingIpAddress": "010.1.1.1"}}, {}, "file",
     ["experimental.dnsTunnelingIpAddress", "010.1.1.1"]),
    ("loopback-wrong-section", "wslconfig", {"wsl2": {"hostAddressLoopback": True}}, {}, "file",
     ["wsl2.hostAddressLoopback", "[experimental]"]),
    ("kernel-list", "wslconfig", {"wsl2": {"kernel": ["C:\\k"]}}, {}, "file", ["wsl2.kernel", "C:"]),
    ("wslconfig-unknown", "wslconfig", {"wsl2": {"turbo": True}}, {}, "file", ["wsl2.turbo", "unknown key"]),
    # ---- wslconfig: the path ----
    ("wslconfig-path-empty", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "path:", ["path", "''"]),
    ("wslconfig-path-relative", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "path:wslconfig", ["path", "wslconfig", "absolute"]),
    ("wslconfig-path-nul", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "path:/mnt/c/x\x00", ["path", "NUL"]),
    ("wslconfig-fifo", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "fifo", ["path", "fifo", "regular file"]),
    ("wslconfig-dir", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "dir", ["path", "directory", "regular file"]),
    ("wslconfig-chardev", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "chardev", ["path", "character device"]),
    ("wslconfig-symlink", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "link", ["path", "symlink", "regular file"]),
    ("wslconfig-utf16be", "wslconfig", {"wsl2": {"memory": "8GB"}}, {}, "utf16be", ["big-endian", "UTF-16LE"]),
    ("wslconfig-user-escape", "wslconfig", {"wsl2": {"memory": "8GB"}}, {"user": "../root"}, "file", ["../root", "user"]),
    # ---- guest_info: the baseline's networking mode ----
    ("mode-mirored", "guest_info", None, {"networking_mode": "mirored"}, "file", ["baseline.networking_mode", "mirored"]),
    ("mode-trailing-space", "guest_info", None, {"networking_mode": "nat "}, "file", ["baseline.networking_mode", "'nat '"]),
    ("mode-empty", "guest_info", None, {"networking_mode": ""}, "file", ["baseline.networking_mode", "''"]),
    ("mode-wsl1", "guest_info", None, {"networking_mode": "wsl1"}, "file", ["baseline.networking_mode", "wsl1"]),
    ("mode-bridge", "guest_info", None, {"networking_mode": "bridge"}, "file", ["baseline.networking_mode", "bridge"]),
]


@contextlib.contextmanager
def deadline(seconds=10):
    """Fail instead of hanging when a plugin opens something that blocks (a FIFO)."""
    def expired(signum, frame):
        raise TimeoutError("the plugin blocked for %d seconds" % seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def sha256(path):
    if not os.path.lexists(path) or not os.path.isfile(path):
        return os.lstat(path).st_mode if os.path.lexists(path) else None
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


CORE_REFUSES_NUL_ARGUMENTS = tuple(int(p) for p in ansible_core_version.split(".")[:2]) >= (2, 21)


def make_target(tmp_path, plugin, kind, stack):
    """The path given to the plugin and the path whose bytes must not change."""
    sample = WSLCONFIG if plugin == "wslconfig" else WSL_CONF
    regular = tmp_path / ("wslconfig" if plugin == "wslconfig" else "wsl.conf")
    regular.write_bytes(STOPPED if kind == "stopped" else sample)
    if kind.startswith("path:"):
        return kind[5:], str(regular)
    if kind in ("file", "stopped"):
        return str(regular), str(regular)
    special = tmp_path / "special"
    if kind in ("fifo", "link_to_fifo"):
        os.mkfifo(str(special))
    elif kind == "dir":
        special.mkdir()
    elif kind == "chardev":
        # A node of its own, never the machine's /dev/null: a plugin that wrongly renamed a file
        # over its target would replace the machine's null device and break every later program.
        if os.geteuid() != 0:
            pytest.skip("creating a character device node needs root")
        os.mknod(str(special), statmod.S_IFCHR | 0o666, os.makedev(1, 3))
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        stack.callback(sock.close)
        sock.bind(str(special))
    elif kind == "broken_link":
        os.symlink(str(tmp_path / "nothing"), str(special))
    elif kind == "link":
        os.symlink(str(regular), str(special))
        return str(special), str(regular)
    elif kind == "utf16be":
        special.write_bytes(b"\xfe\xff" + "[wsl2]\r\nmemory=4GB\r\n".encode("utf-16-be"))
    elif kind == "undecodable":
        special.write_bytes(b"[boot]\nsystemd=\xff\n")
    if kind == "link_to_fifo":
        link = tmp_path / "link"
        os.symlink(str(special), str(link))
        return str(link), str(special)
    return str(special), str(special)


def run_module(module, args, capsys):
    args.setdefault("_ansible_tmpdir", None)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


class PosixTarget:
    """A Linux target as ansible.builtin.stat / slurp / copy see it, over the real file system.

    The stat answer uses ansible.builtin.stat's documented keys (exists, isreg, isdir, islnk,
    isfifo, ischr, isblk, issock; links not followed). slurp really reads the file, so a plugin
    that slurped a FIFO would block; copies are only recorded.
    """

    def __init__(self):
        self.copies = []

    def execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        path = module_args.get("path") or module_args.get("src")
        if module_name == "ansible.builtin.stat":
            if not os.path.lexists(path):
                return {"changed": False, "stat": {"exists": False}}
            mode = os.lstat(path).st_mode
            return {"changed": False, "stat": {
                "exists": True, "path": path, "isreg": statmod.S_ISREG(mode), "isdir": statmod.S_ISDIR(mode),
                "islnk": statmod.S_ISLNK(mode), "isfifo": statmod.S_ISFIFO(mode), "ischr": statmod.S_ISCHR(mode),
                "isblk": statmod.S_ISBLK(mode), "issock": statmod.S_ISSOCK(mode)}}
        if module_name == "ansible.builtin.slurp":
            with open(path, "rb") as handle:
                return {"changed": False, "content": base64.b64encode(handle.read()).decode(), "encoding": "base64"}
        raise AssertionError("unexpected module %s" % module_name)

    def action_get(self, name, task=None, **kwargs):
        fake = MagicMock()
        fake.run.side_effect = lambda task_vars=None: self.copies.append(task.args) or {"changed": True}
        return fake


def run_wslconfig(args):
    target = PosixTarget()
    task = MagicMock()
    task.args, task.check_mode, task.diff, task.async_val = args, False, False, 0
    task.get_name.return_value = "wslconfig"
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = "sh"
    connection._shell.tmpdir = None
    shared = MagicMock()
    shared.action_loader.get.side_effect = target.action_get
    action = WslconfigAction(task, connection, PlayContext(), loader=MagicMock(), templar=MagicMock(),
                             shared_loader_obj=shared)
    action._execute_module = target.execute_module
    action._shared_loader_obj = shared
    try:
        action.run(task_vars={})
    except AnsibleActionFail as exc:
        return {"failed": True, "msg": str(exc)}, target
    return {"failed": False}, target


def test_the_table_has_at_least_80_distinct_rows():
    assert len(ROWS) >= 80
    assert len(set(r[0] for r in ROWS)) == len(ROWS)
    assert len(set(repr(r[1:5]) for r in ROWS)) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input_is_refused_by_name_and_rule_and_changes_nothing(row, tmp_path, capsys):
    dummy, plugin, settings, extra, kind, words = row
    with contextlib.ExitStack() as stack:
        path, watched = make_target(tmp_path, plugin, kind, stack)
        before = sha256(watched)
        with deadline():
            if plugin == "wsl_conf":
                out = run_module(wsl_conf, dict(path=path, settings=settings, **extra), capsys)
            elif plugin == "guest_info":
                out = run_module(guest_info, {"wsl_conf_path": path, "baseline": dict(extra)}, capsys)
            else:
                args = dict(settings=settings, **extra)
                if "user" not in extra:
                    args["path"] = path
                out, target = run_wslconfig(args)
                assert target.copies == []
        assert out["failed"] is True, out
        message = out["msg"]
        if CORE_REFUSES_NUL_ARGUMENTS and "\x00" in path and plugin != "wslconfig":
            # ansible-core 2.21 fails a module whose arguments hold a NUL while it logs the
            # invocation to syslog, before the module's own check runs and can name the key.
            assert message.startswith("Failed to log to syslog (embedded null character)"), message
            assert sha256(watched) == before
            return
        for word in words:
            assert word in message, (word, message)
        assert "rule" in message, message
        assert sha256(watched) == before
