from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import singleview as sv
from singleview.cli import _demo_config, _resolve, main
from singleview.errors import ConfigError

PLOTS = {"sv-model", "sv-probability", "sv-sizes", "sv-blocking"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[sv.Result, Path]:
    result = _resolve(_demo_config())
    return result, result.save(tmp_path_factory.mktemp("demo") / "out")


@pytest.fixture(scope="module")
def page(demo: tuple[sv.Result, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sv.write_report(demo[0], tmp_path_factory.mktemp("report") / "report.html")


def test_same_page_from_a_result_and_its_directory(
    demo: tuple[sv.Result, Path], page: Path, tmp_path: Path
) -> None:
    from_directory = sv.write_report(demo[1], tmp_path / "sub" / "dir.html")
    assert from_directory.read_bytes() == page.read_bytes()


def test_the_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", text, re.I)
    assert not re.search(r"<link\b", text, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc\b", text, re.I)
    assert not re.search(r"<img\b|<iframe\b|@import|@font-face", text, re.I)
    # matplotlib's clip paths are the only url() references: fragments in the page itself
    targets = re.findall(r"""url\(\s*["']?([^)"']*)""", text)
    assert targets and all(t.startswith("#") for t in targets)
    ids = re.findall(r"""\bid=["']([^"']+)""", text)
    assert len(ids) == len(set(ids)), "element ids repeat across the figures"
    referenced = {t[1:] for t in targets} | set(re.findall(r'href="#([^"]+)"', text))
    assert referenced <= set(ids)


def test_one_svg_per_plot_each_with_a_caption(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b[^>]*>", text)
    assert len(svgs) == len(PLOTS)
    assert {re.search(r'\bid="([^"]+)"', s).group(1) for s in svgs} == PLOTS  # type: ignore[union-attr]
    assert all('class="sv-plot"' in s for s in svgs)
    assert text.count("<figcaption>") == len(PLOTS)
    assert "<text" in text  # svg.fonttype none: labels stay text
    for section in ("headline", "model", "probability", "sizes", "risky", "profiles", "blocking"):
        assert f"<section id='{section}'>" in text
    assert 'id="sv-render-check"' in text.replace("'", '"')


def test_values_are_escaped(demo: tuple[sv.Result, Path], tmp_path: Path) -> None:
    result = demo[0]
    top = result.top_profiles(1).index[0]
    profiles = result.profiles.copy()
    profiles.loc[top, "first_name"] = "<b>x</b>"
    planted = dataclasses.replace(result, profiles=profiles)
    text = planted.report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert "<b>x</b>" not in text


def test_without_matplotlib_the_error_says_what_to_install(
    demo: tuple[sv.Result, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigError, match=r"pip install 'singleview\[report\]'"):
        sv.write_report(demo[0], tmp_path / "r.html")


def test_importing_singleview_does_not_import_matplotlib() -> None:
    code = "import sys, singleview; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.fixture(scope="session")  # session: set up, or skipped, before the report is built
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "chromium not installed: apt-get install chromium"
        if os.environ.get("SINGLEVIEW_REQUIRE_CHROMIUM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _headless(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_every_plot_renders_in_a_browser(chromium: str, page: Path, tmp_path: Path) -> None:
    binary = chromium
    dom = _headless(binary, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert re.search(r"<body[^>]*data-rendered=\"yes\"", dom)
    found = re.search(r'<pre id="sv-render-check"[^>]*>(.*?)</pre>', dom, re.DOTALL)
    assert found is not None
    check = json.loads(found.group(1))
    assert set(check) == PLOTS
    for name, plot in check.items():
        assert plot["width"] > 0 and plot["height"] > 0, name
        assert plot["shown_width"] > 100 and plot["shown_height"] > 100, name
        assert plot["elements"]["text"] >= 5, name
        assert sum(plot["elements"].values()) >= 30, name

    from matplotlib.image import imread

    shot = tmp_path / "page.png"
    _headless(
        binary,
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,2400",
        "--hide-scrollbars",
        page.as_uri(),
    )
    pixels = imread(shot)
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1200
    assert float(pixels[..., :3].var()) > 0


def test_report_command(
    demo: tuple[sv.Result, Path],
    page: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import singleview.cli

    resolved: list[Path] = []

    def resolve_once(config: Path) -> sv.Result:  # the fixture already resolved the demo
        resolved.append(config)
        return demo[0]

    monkeypatch.setattr(singleview.cli, "_resolve", resolve_once)
    out = tmp_path / "r.html"
    assert main(["report", "--demo", "--out", str(out)]) == 0
    assert resolved == [_demo_config()]
    assert out.read_bytes() == page.read_bytes()
    assert f"report written to {out}" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "missing"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "resolve" in err
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty"), "--out", str(out)]) == 2
    assert "not a singleview result directory" in capsys.readouterr().err
    assert main(["report", "--out", str(out)]) == 2
    assert "exactly one" in capsys.readouterr().err
