# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""wsl_conf run for real against files in a temporary directory (bytes on disk are the proof)."""
from __future__ import annotations

import json
import os
import stat

import pytest

from _core_compat import patch_module_args

from ansible_collections.wslfleet.networking.plugins.modules import wsl_conf

ORIGINAL = b"# managed by hand\n[boot]\nsystemd=false  # not yet\n\n[network]\nhostname=devbox\n"


def run(capsys, **args):
    args.setdefault("_ansible_tmpdir", None)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            wsl_conf.main()
    out = json.loads(capsys.readouterr().out)
    return exc.value.code, out


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "wsl.conf"
    path.write_bytes(ORIGINAL)
    os.chmod(path, 0o640)
    return path


def test_sets_a_key_in_place_and_keeps_mode_and_every_other_byte(capsys, conf):
    code, out = run(capsys, path=str(conf), settings={"boot": {"systemd": True}})
    assert code == 0 and out["changed"] is True
    assert conf.read_bytes() == ORIGINAL.replace(b"systemd=false", b"systemd=true")
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o640
    assert out["restart_required"] == "distribution"
    assert out["effective"] == {"boot": {"systemd": True}, "network": {"hostname": "devbox"}}
    code, out = run(capsys, path=str(conf), settings={"boot": {"systemd": True}})
    assert out["changed"] is False and out["restart_required"] is False


def test_check_mode_and_diff_write_nothing(capsys, conf):
    code, out = run(capsys, path=str(conf), settings={"boot": {"command": "ip link set dev eth0 mtu 1400"}},
                    _ansible_check_mode=True, _ansible_diff=True)
    assert out["changed"] is True
    assert conf.read_bytes() == ORIGINAL
    assert out["diff"]["before"] == ORIGINAL.decode()
    assert out["diff"]["after"] == ORIGINAL.decode().replace(
        "# not yet\n", "# not yet\ncommand=ip link set dev eth0 mtu 1400\n")


def test_creates_a_missing_file_0644(capsys, tmp_path):
    path = tmp_path / "new.conf"
    code, out = run(capsys, path=str(path), settings={"network": {"generateResolvConf": False}})
    assert out["changed"] is True
    assert path.read_bytes() == b"[network]\ngenerateResolvConf=false\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_absent_on_a_missing_file_changes_nothing(capsys, tmp_path):
    path = tmp_path / "none.conf"
    code, out = run(capsys, path=str(path), settings={"network": {"hostname": None}}, state="absent")
    assert out["changed"] is False and not path.exists()


def test_backup_keeps_the_old_bytes(capsys, conf):
    code, out = run(capsys, path=str(conf), settings={"network": {"hostname": "box2"}}, backup=True)
    assert open(out["backup_file"], "rb").read() == ORIGINAL
    assert b"hostname=box2\n" in conf.read_bytes()


def test_exclusive_drops_unlisted_keys_of_listed_sections(capsys, conf):
    code, out = run(capsys, path=str(conf), settings={"network": {"generateHosts": True}}, exclusive=True)
    assert conf.read_bytes() == (b"# managed by hand\n[boot]\nsystemd=false  # not yet\n\n[network]\n"
                                 b"generateHosts=true\n")


@pytest.mark.parametrize("settings, message", [
    ({"boot": {"systemd": "yes"}}, "boot.systemd: value 'yes' is not a boolean"),
    ({"boot": {"command_line": "x"}}, "is not a valid WSL key name"),
    ({"network": {"mtu": 1400}}, "network.mtu: unknown key for wsl.conf"),
    ({"boot": {"command": "d\u00e9v"}}, "non-ASCII"),
])
def test_bad_input_fails_and_leaves_the_file_identical(capsys, conf, settings, message):
    code, out = run(capsys, path=str(conf), settings=settings)
    assert code == 1 and out["failed"] is True and message in out["msg"]
    assert conf.read_bytes() == ORIGINAL


def test_undecodable_file_fails_untouched(capsys, conf):
    conf.write_bytes(b"[boot]\nsystemd=true\n# caf\xe9\n")
    code, out = run(capsys, path=str(conf), settings={"boot": {"systemd": False}})
    assert code == 1 and "cannot be decoded" in out["msg"]
    assert conf.read_bytes() == b"[boot]\nsystemd=true\n# caf\xe9\n"


def test_existing_invalid_line_is_reported_with_its_line_number(capsys, conf):
    conf.write_bytes(b"[boot]\n; old style comment\nsystemd=true\n")
    code, out = run(capsys, path=str(conf), settings={"boot": {"systemd": True}})
    # systemd=true is below the line WSL stops at, so "unchanged" would be a lie: refused, line named
    assert code == 1 and "boot.systemd is on line 3, after line 2 (Invalid key name)" in out["msg"]
    assert conf.read_bytes() == b"[boot]\n; old style comment\nsystemd=true\n"
    code, out = run(capsys, path=str(conf), settings={"boot": {"command": "true"}})
    assert code == 0 and conf.read_bytes() == b"[boot]\ncommand=true\n; old style comment\nsystemd=true\n"
    assert out["effective"] == {"boot": {"command": "true"}}
    assert any("Invalid key name in %s:3" % conf in w for w in out["config_warnings"])


def test_validate_warn_allows_unknown_keys(capsys, conf):
    code, out = run(capsys, path=str(conf), settings={"network": {"futureKey": "x"}}, validate="warn")
    assert code == 0 and b"futureKey=x\n" in conf.read_bytes()
    assert any("futureKey" in w for w in out["config_warnings"])


def test_unreadable_path_is_a_clear_error(capsys, tmp_path):
    code, out = run(capsys, path=str(tmp_path), settings={"boot": {"systemd": True}})
    assert code == 1 and "is a directory" in out["msg"]


def test_new_file_is_0644_whatever_the_umask(capsys, tmp_path):
    path = tmp_path / "new.conf"
    old = os.umask(0o077)
    try:
        code, out = run(capsys, path=str(path), settings={"boot": {"systemd": True}})
    finally:
        os.umask(old)
    assert code == 0 and out["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_a_symlink_is_followed_to_the_real_file_and_stays_a_link(capsys, conf, tmp_path):
    link = tmp_path / "wsl.conf.link"
    os.symlink(str(conf), str(link))
    code, out = run(capsys, path=str(link), settings={"boot": {"systemd": True}}, _ansible_diff=True)
    assert code == 0 and out["changed"] is True
    assert os.path.islink(link) and os.readlink(link) == str(conf)
    assert conf.read_bytes() == ORIGINAL.replace(b"systemd=false", b"systemd=true")
    assert out["real_path"] == str(conf)
    assert out["diff"]["before_header"] == "%s -> %s (before)" % (link, conf)
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o640
