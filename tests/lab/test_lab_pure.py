"""Pure functions of lab/wslfleet_lab.py: no root, no containers.

The lab takes its Debian mirror from this machine's apt sources and pins the guests' suite. Source formats are apt's own
(sources.list(5): one-line `deb [options] uri suite components` and deb822 stanzas), in the shapes
Debian 12 and 13 images ship.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("wslfleet_lab", REPO / "lab" / "wslfleet_lab.py")
wslfleet_lab = importlib.util.module_from_spec(spec)
sys.modules["wslfleet_lab"] = wslfleet_lab
spec.loader.exec_module(wslfleet_lab)

DEBIAN12_DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

DEBIAN13_DEB822_SECURITY_FIRST = """\
Types: deb
URIs: http://mirror.example/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp

Types: deb deb-src
URIs: http://mirror.example/debian
Suites: trixie trixie-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp
"""

ONE_LINE = """\
# deb http://old.example/debian bullseye main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main
deb http://mirror.example/debian-security bookworm-security main
"""


def mirror_line(monkeypatch, tmp_path, files, suite=None):
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        paths.append(str(path))
    monkeypatch.setattr(wslfleet_lab, "APT_SOURCE_FILES", tuple(paths))
    return wslfleet_lab.apt_mirror_line(suite)


@pytest.mark.parametrize("files, expected", [
    ({"debian.sources": DEBIAN12_DEB822},
     "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main"),
    ({"debian.sources": DEBIAN13_DEB822_SECURITY_FIRST},
     "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.pgp] http://mirror.example/debian bookworm main"),
    ({"sources.list": ONE_LINE},
     "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main"),
    ({"debian.sources": "", "sources.list": ONE_LINE},
     "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main"),
])
def test_the_main_archive_of_this_machine_serves_the_pinned_suite(monkeypatch, tmp_path, files, expected):
    assert wslfleet_lab.SUITE == "bookworm"
    assert mirror_line(monkeypatch, tmp_path, files) == expected


def test_another_supported_suite_comes_from_the_same_mirror(monkeypatch, tmp_path):
    line = mirror_line(monkeypatch, tmp_path, {"debian.sources": DEBIAN12_DEB822}, suite="trixie")
    assert line.endswith("http://deb.debian.org/debian trixie main")


def test_a_disabled_stanza_is_not_used(monkeypatch, tmp_path):
    disabled = DEBIAN12_DEB822.replace("Types: deb\n# http", "Enabled: no\nTypes: deb\n# http", 1)
    with pytest.raises(wslfleet_lab.LabError, match="no Debian main archive"):
        mirror_line(monkeypatch, tmp_path, {"debian.sources": disabled})


@pytest.mark.parametrize("text", ["", "deb http://mirror.example/debian-security bookworm-security main\n"])
def test_no_main_archive_is_refused_with_the_files_named(monkeypatch, tmp_path, text):
    with pytest.raises(wslfleet_lab.LabError, match="sources.list"):
        mirror_line(monkeypatch, tmp_path, {"sources.list": text})


def test_an_unsupported_suite_is_refused(monkeypatch, tmp_path):
    with pytest.raises(wslfleet_lab.LabError, match="'sid' is not one the lab supports"):
        mirror_line(monkeypatch, tmp_path, {"debian.sources": DEBIAN12_DEB822}, suite="sid")


def test_a_boot_failure_quotes_the_console_because_destroy_removes_it(tmp_path):
    # What systemd-nspawn printed when the machine's /dev/null had been replaced by a file.
    lines = ["line %d" % n for n in range(30)] + ["/dev/null is not a char or block device, cannot copy."]
    (tmp_path / "console.log").write_text("\n".join(lines) + "\n")
    message = wslfleet_lab.console_tail(str(tmp_path))
    assert message.endswith("/dev/null is not a char or block device, cannot copy.")
    assert "line 29" in message and "line 22" not in message
    assert wslfleet_lab.console_tail(str(tmp_path / "gone")).endswith("console.log is unreadable")
