"""The lab program against the real thing: containers, namespaces, packets, Ansible.

Run as root on a machine of the lab's kind: `.venv/bin/python -m pytest tests/lab` (docs/lab.md).
Every lab a test makes is destroyed again, also when the test fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAB = [sys.executable, str(REPO / "lab" / "wslfleet_lab.py")]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("systemd-nspawn") or not shutil.which("mmdebstrap"),
    reason="the lab needs root, systemd-nspawn and mmdebstrap (scripts/bootstrap.sh installs them)",
)


def lab(*args, check=True):
    res = subprocess.run(LAB + [str(a) for a in args], capture_output=True, text=True, timeout=900, check=False)
    if check and res.returncode != 0:
        raise AssertionError("lab %s failed (rc=%d): %s" % (args, res.returncode, res.stderr))
    return res


def lab_json(*args):
    return json.loads(lab(*args).stdout)


def sh(*cmd, check=True, timeout=60):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, check=check)


def in_host(pid, *cmd, check=True):
    return sh("nsenter", "--target", pid, "--all", "--", *cmd, check=check)


def netns_names():
    return set(sh("ip", "netns", "list").stdout.split())


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


@pytest.fixture(scope="module")
def nat_lab():
    name = unique("tnat")
    try:
        lab_json("create", name, "--hosts", 2, "--topology", "nat")
        yield name
    finally:
        lab("destroy", name, check=False)


def status(name):
    (entry,) = lab_json("list", name)
    return entry


def test_create_is_idempotent_and_writes_a_usable_inventory(nat_lab):
    again = lab_json("create", nat_lab, "--hosts", 2, "--topology", "nat")
    assert again["changed"] is False
    assert again["started"] == []
    inventory = lab("inventory", nat_lab).stdout.strip()
    listing = json.loads(sh(BIN / "ansible-inventory", "-i", inventory, "--list").stdout)
    assert sorted(listing["wsl_guests"]["hosts"]) == ["guest1", "guest2"]
    assert sorted(listing["wsl_guests_ssh"]["hosts"]) == ["guest1-ssh", "guest2-ssh"]
    hv = listing["_meta"]["hostvars"]["guest1"]
    assert hv["ansible_connection"] == "community.docker.nsenter"
    assert hv["ansible_nsenter_pid"] == status(nat_lab)["hosts"]["guest1"]["pid"]
    assert hv["wslfleet_lab"] is True
    assert hv["wslfleet_windows_host"] == nat_lab + "-guest1-win"
    # One host of each kind, not two: a second create must not duplicate hosts or namespaces.
    assert len([n for n in netns_names() if n.startswith("wsllab-%s." % nat_lab)]) == 4


def test_ansible_reaches_every_host_over_nsenter_and_ssh(nat_lab):
    inventory = lab("inventory", nat_lab).stdout.strip()
    res = sh(BIN / "ansible", "all", "-i", inventory, "-m", "ansible.builtin.command", "-a", "cat /etc/hostname",
             timeout=120)
    for host in ("guest1", "guest2"):
        assert "%s | CHANGED | rc=0 >>\n%s-%s" % (host, nat_lab, host) in res.stdout
        assert "%s-ssh | CHANGED | rc=0 >>\n%s-%s" % (host, nat_lab, host) in res.stdout


def test_hosts_carry_the_wsl_markers(nat_lab):
    entry = status(nat_lab)
    pid = entry["hosts"]["guest1"]["pid"]
    assert in_host(pid, "wslinfo", "--networking-mode").stdout == "nat\n"
    assert in_host(pid, "wslinfo", "-n", "--version").stdout.count(".") == 3
    assert in_host(pid, "test", "-d", "/run/WSL", check=False).returncode == 0
    assert in_host(pid, "readlink", "/etc/resolv.conf").stdout.strip() == "/mnt/wsl/resolv.conf"
    # The Windows drive is a directory of this machine: what the guest writes, a test reads outside.
    in_host(pid, "sh", "-c", "printf '[wsl2]\\nnetworkingMode=nat\\n' > /mnt/c/Users/dev/.wslconfig")
    drive = Path("/var/lib/wslfleet-lab") / nat_lab / "guest1" / "c" / "Users" / "dev" / ".wslconfig"
    assert drive.read_bytes() == b"[wsl2]\nnetworkingMode=nat\n"
    lab_json("set-mode", nat_lab, "mirrored", "--host", "guest1")
    assert in_host(pid, "wslinfo", "--networking-mode").stdout == "mirrored\n"
    assert in_host(entry["hosts"]["guest2"]["pid"], "wslinfo", "--networking-mode").stdout == "nat\n"
    lab_json("set-mode", nat_lab, "nat")


def test_path_mtu_bottleneck_sends_frag_needed_back(nat_lab):
    entry = status(nat_lab)
    pid = entry["hosts"]["guest1"]["pid"]
    far = "10.78.%s.2" % entry["subnet"].split(".")[2]
    assert in_host(pid, "ping", "-c1", "-W2", "-M", "do", "-s", "1400", far).returncode == 0
    lab_json("set-mtu", nat_lab, 1300)
    try:
        big = in_host(pid, "ping", "-c1", "-W2", "-M", "do", "-s", "1400", far, check=False)
        assert big.returncode != 0
        # The guest learnt the bottleneck from the ICMP the Windows host namespace sent back.
        assert "mtu 1300" in in_host(pid, "ip", "route", "get", far).stdout
        assert in_host(pid, "ping", "-c1", "-W2", "-M", "do", "-s", "1272", far).returncode == 0
    finally:
        lab_json("set-mtu", nat_lab, 1500)


def echo_server(netns, address, port):
    code = ("import socket\n"
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "s.bind((%r, %d)); s.listen(); print('ready', flush=True)\n"
            "while True:\n"
            "    c, _ = s.accept(); c.sendall(c.recv(65536)); c.close()\n" % (address, port))
    proc = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, "-c", code],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_guests_follow_a_windows_host_address_change(nat_lab):
    entry = status(nat_lab)
    pid = entry["hosts"]["guest2"]["pid"]
    old = entry["gateway"]
    new = old.rsplit(".", 1)[0] + ".7"
    client = ("import socket, subprocess\n"
              "gw = subprocess.check_output(['ip', 'route', 'show', 'default']).split()[2].decode()\n"
              "c = socket.create_connection((gw, 8765), timeout=5); c.sendall(b'wsl\\x00relay')\n"
              "print(gw, c.recv(100))\n")
    server = echo_server("wsllab-%s.win" % nat_lab, "0.0.0.0", 8765)
    try:
        assert in_host(pid, "python3", "-c", client).stdout == "%s b'wsl\\x00relay'\n" % old
        assert lab_json("set-gateway", nat_lab, new) == {"changed": True, "gateway": new, "previous": old}
        assert in_host(pid, "python3", "-c", client).stdout == "%s b'wsl\\x00relay'\n" % new
        assert lab_json("set-gateway", nat_lab, new)["changed"] is False
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
        lab_json("set-gateway", nat_lab, old)


def test_reboot_keeps_the_disk_and_renews_the_pid(nat_lab):
    before = status(nat_lab)["hosts"]["guest1"]
    in_host(before["pid"], "sh", "-c", "echo kept > /etc/wslfleet-lab-reboot-test; ufw --force enable")
    res = lab_json("reboot", nat_lab, "guest1")
    after = status(nat_lab)["hosts"]["guest1"]
    assert res["pid"] == after["pid"] != before["pid"]
    assert after["running"] is True
    assert in_host(after["pid"], "cat", "/etc/wslfleet-lab-reboot-test").stdout == "kept\n"
    assert in_host(after["pid"], "systemctl", "is-system-running").stdout.strip() == "running"
    assert "Status: active" in in_host(after["pid"], "ufw", "status").stdout
    inventory = Path(lab("inventory", nat_lab).stdout.strip()).read_text()
    assert "ansible_nsenter_pid: %d\n" % after["pid"] in inventory
    assert "ansible_nsenter_pid: %d\n" % before["pid"] not in inventory
    in_host(after["pid"], "ufw", "--force", "disable")


def test_bad_input_is_refused_before_anything_is_made():
    before = netns_names()
    for args, message in [
        (("create", "Bad_Name"), "lab name 'Bad_Name' is invalid"),
        (("create", "tbad", "--hosts", "0"), "--hosts 0 is out of range"),
        (("create", "tbad", "--user", "Root!"), "--user 'Root!' is not a valid Linux user name"),
        (("set-mtu", "tnone", "1400"), "lab 'tnone' does not exist"),
    ]:
        res = lab(*args, check=False)
        assert res.returncode == 1
        assert message in res.stderr
    assert netns_names() == before


def test_flat_labs_in_parallel_get_their_own_subnets_and_destroy_leaves_nothing():
    names = [unique("tpar"), unique("tpar")]
    try:
        procs = [subprocess.Popen(LAB + ["create", n, "--hosts", "1"], stdout=subprocess.PIPE, text=True)
                 for n in names]
        for proc in procs:
            assert proc.wait(300) == 0
        subnets = {status(n)["subnet"] for n in names}
        assert len(subnets) == 2
        with pytest.raises(AssertionError, match="set-mtu needs a nat lab"):
            lab("set-mtu", names[0], 1400)
    finally:
        for n in names:
            lab("destroy", n, check=False)
    assert_gone(names)


def assert_gone(names):
    mounts = Path("/proc/self/mountinfo").read_text()
    nspawn = sh("ps", "-ww", "-eo", "args").stdout
    for n in names:
        assert not [ns for ns in netns_names() if ns == "wsllab-" + n or ns.startswith("wsllab-%s." % n)]
        assert "/var/lib/wslfleet-lab/%s/" % n not in mounts
        assert "--machine=wsllab-%s-" % n not in nspawn
        assert not (Path("/var/lib/wslfleet-lab") / n).exists()
        assert not (Path("/run/wslfleet-lab") / n).exists()


def test_destroy_cleans_up_after_a_crashed_create_without_its_state():
    name = unique("tcrash")
    proc = subprocess.Popen(LAB + ["create", name, "--hosts", "3", "--topology", "nat"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        # Kill it once the first container runs and before the last one is started.
        while "--machine=wsllab-%s-guest1" % name not in sh("ps", "-ww", "-eo", "args").stdout:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        state = Path("/run/wslfleet-lab") / name / "state.json"
        if state.exists():
            state.unlink()   # the worst case: the registry is gone too
        assert "wsllab-%s" % name in netns_names()
    finally:
        res = lab_json("destroy", name)
    assert res == {"changed": True, "destroyed": [name]}
    assert_gone([name])


def test_read_only_binds_run_this_machines_python_inside_a_host():
    name = unique("tbind")
    # Outside /tmp, so one bind is not under the container's own /tmp (the interpreter's may be,
    # when the checkout is under /tmp: binds are mounted on top of that tmpfs).
    shared = Path(tempfile.mkdtemp(prefix="wslfleet-bind-", dir="/var/tmp"))
    payload = b"\x00wsl\r\nbytes\xff"
    (shared / "data.bin").write_bytes(payload)
    venv = os.path.realpath(sys.prefix)
    venv_python = os.path.join(venv, "bin", "python")
    probe = "import ansible, sys; print(open('/etc/hostname').read().strip(), sys.prefix, ansible.__file__)"
    try:
        lab_json("create", name, "--hosts", 1, "--bind-ro", shared, "--bind-python", sys.executable)
        binds = status(name)["binds"]
        assert str(shared) in binds and venv in binds
        pid = status(name)["hosts"]["guest1"]["pid"]
        # The same bytes at the same path, and later changes outside show through.
        assert in_host(pid, "sha256sum", shared / "data.bin").stdout.split()[0] == hashlib.sha256(payload).hexdigest()
        (shared / "later.txt").write_text("written outside\n")
        assert in_host(pid, "cat", shared / "later.txt").stdout == "written outside\n"
        denied = in_host(pid, "touch", shared / "from-guest", check=False)
        assert denied.returncode != 0 and "Read-only file system" in denied.stderr
        assert not (shared / "from-guest").exists()
        # This machine's interpreter and what is installed for it run inside the host (its hostname).
        outside = sh(venv_python, "-c", probe).stdout.split()
        inside = in_host(pid, venv_python, "-c", probe).stdout.split()
        assert inside[0] == "%s-guest1" % name != outside[0]
        assert inside[1:] == outside[1:]
        inventory = Path(lab("inventory", name).stdout.strip()).read_text()
        assert "lab_binds: %s\n" % json.dumps(binds) in inventory
        # Same binds: nothing to do. Other binds: refused, the hosts keep theirs.
        again = lab_json("create", name, "--hosts", 1, "--bind-ro", shared, "--bind-python", sys.executable)
        assert again["changed"] is False
        other = lab("create", name, "--hosts", 1, check=False)
        assert other.returncode == 1 and "exists with binds=" in other.stderr
        # A reboot (`wsl --terminate`) keeps them.
        pid = lab_json("reboot", name, "guest1")["pid"]
        assert in_host(pid, "cat", shared / "later.txt").stdout == "written outside\n"
    finally:
        lab("destroy", name, check=False)
        shutil.rmtree(shared)
    assert_gone([name])


def test_bad_binds_are_refused_before_anything_is_made():
    before = netns_names()
    for args, message in [
        (("--bind-ro", "relative/dir"), "--bind-ro 'relative/dir' must be an absolute path"),
        (("--bind-ro", "/nonexistent-wslfleet-bind"), "does not exist on this machine"),
        (("--bind-ro", "/proc/self"), "a host may not get a bind at / or under /proc, /sys, /dev, /run, /mnt"),
        (("--bind-ro", "/etc"), "'/etc' exists in the lab's image: a bind there would hide the host's own files"),
        (("--bind-ro", "/var/lib/wslfleet-lab"), "overlaps the lab's own files"),
        (("--bind-python", "/nonexistent-wslfleet-bind/python"), "cannot ask that interpreter for its prefixes"),
    ]:
        res = lab("create", "tbadbind", "--hosts", 1, *args, check=False)
        assert res.returncode == 1, res.stderr
        assert message in res.stderr
    assert netns_names() == before
    assert not (Path("/run/wslfleet-lab") / "tbadbind").exists()


def test_exec_runs_the_hosts_own_programs_and_returns_their_exit_code(nat_lab):
    saved = lab("exec", nat_lab, "guest1", "--", "iptables-save", "-t", "filter")
    assert "*filter" in saved.stdout and "COMMIT" in saved.stdout
    # The host's own file system: its hostname, not this machine's.
    assert lab("exec", nat_lab, "guest2", "--", "cat", "/etc/hostname").stdout.strip() == nat_lab + "-guest2"
    failed = lab("exec", nat_lab, "guest1", "--", "sh", "-c", "echo oops >&2; exit 7", check=False)
    assert (failed.returncode, failed.stderr.strip()) == (7, "oops")
    unknown = lab("exec", nat_lab, "nosuchhost", "--", "true", check=False)
    assert unknown.returncode == 1 and "nosuchhost" in unknown.stderr


def _lab_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("wslfleet_lab_for_test", REPO / "lab" / "wslfleet_lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inotify_limits_are_raised_for_the_guests_and_never_lowered(tmp_path, capsys):
    """A stand-in for /proc/sys/fs/inotify: raised to what 24 guests need, a higher value kept."""
    module = _lab_module()
    (tmp_path / "max_user_instances").write_text("128\n")   # the kernel's default
    (tmp_path / "max_user_watches").write_text("1000000\n")  # already above what the lab needs
    need = module.inotify_needs(24)
    assert need["max_user_instances"] > 128
    raised = module.ensure_inotify(24, root=str(tmp_path))
    assert raised == {"max_user_instances": (128, need["max_user_instances"])}
    assert int((tmp_path / "max_user_instances").read_text()) == need["max_user_instances"]
    assert (tmp_path / "max_user_watches").read_text() == "1000000\n"
    assert "raised fs.inotify.max_user_instances from 128 to %d for 24 lab guest(s)" % need["max_user_instances"] \
        in capsys.readouterr().err
    # Fewer guests later: nothing is lowered.
    assert module.ensure_inotify(2, root=str(tmp_path)) == {}
    assert int((tmp_path / "max_user_instances").read_text()) == need["max_user_instances"]


def test_a_created_lab_leaves_the_machine_with_enough_inotify_instances(nat_lab):
    # nat_lab's two guests at least; other labs on the machine only raise the need.
    for key, value in _lab_module().inotify_needs(2).items():
        assert int(Path("/proc/sys/fs/inotify", key).read_text()) >= value
