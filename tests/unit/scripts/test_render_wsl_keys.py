"""docs/wsl-config-keys.md is the key schema rendered: it must list what the plugins validate with."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("render_wsl_keys", REPO / "scripts" / "render_wsl_keys.py")
renderer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(renderer)


def test_committed_page_is_the_schema_rendered():
    committed = (REPO / "docs" / "wsl-config-keys.md").read_text(encoding="utf-8")
    assert committed == renderer.render(), "docs/wsl-config-keys.md is stale: run scripts/render_wsl_keys.py"


def test_page_carries_every_key_and_its_version_needs():
    schema = renderer._schema()
    page = renderer.render()
    for kind in (schema.WSLCONFIG, schema.WSLCONF):
        for key in schema.get_schema(kind).keys:
            row = next(line for line in page.splitlines() if line.startswith("| `%s`" % key.full))
            for fact in (key.min_wsl, key.min_windows):
                if fact:
                    assert fact in row, (key.full, fact)
            assert row.split(" | ")[5] == ("yes" if key.documented else "no")


def test_check_mode_reports_a_stale_page(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "wsl-config-keys.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(renderer, "PAGE", str(stale))
    assert renderer.main(["render_wsl_keys.py", "--check"]) == 1
    assert "is stale" in capsys.readouterr().err
    assert stale.read_text(encoding="utf-8") == "# old\n"
