"""The HTML report in a real headless Chromium: it loads without a console message, every
image decodes and is shown, and a screenshot shows the plots (and stops showing them when
the images are missing).

Chromium comes from the Debian package ``chromium``; these tests are skipped without it,
unless ``LSTM_GRADER_REQUIRE_BROWSER=1`` (CI sets it when it could install the package).
``LSTM_GRADER_SCREENSHOT_OUT=docs/report.png`` (and ``..._ES`` for the Spanish one) copies the
screenshot there: that is how the README's picture is refreshed.
"""

from __future__ import annotations

import functools
import html
import http.server
import itertools
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.html_support import WRONG_GATE_ID, rendered

REQUIRED = os.environ.get("LSTM_GRADER_REQUIRE_BROWSER") == "1"
WINDOW = (1280, 2400)
BROWSER_TIMEOUT_S = 120
_LOADS = itertools.count()


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


CHROMIUM = _chromium()
if CHROMIUM is None:
    if REQUIRED:
        raise RuntimeError("LSTM_GRADER_REQUIRE_BROWSER=1 but no Chromium was found; install "
                           "the Debian package 'chromium' (apt-get install chromium)")
    pytestmark = pytest.mark.skip(reason="no Chromium (apt-get install chromium)")


# A page that opens the report in a frame and writes, into its own DOM, what the browser
# made of each image. The report itself carries no script (its CSP forbids them).
HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre id="result">pending</pre>
<iframe id="report" src="REPORT" style="width:1280px;height:2400px"></iframe>
<script>
document.getElementById("report").addEventListener("load", function () {
  var doc = this.contentDocument;
  var images = Array.prototype.map.call(doc.images, function (img) {
    var box = img.getBoundingClientRect();
    return {complete: img.complete, naturalWidth: img.naturalWidth,
            naturalHeight: img.naturalHeight, shownWidth: box.width, shownHeight: box.height,
            visible: getComputedStyle(img).visibility === "visible" &&
                     getComputedStyle(img).display !== "none"};
  });
  document.getElementById("result").textContent = JSON.stringify({
    title: doc.title, lang: doc.documentElement.lang, images: images,
    diagnosis: Array.prototype.map.call(doc.querySelectorAll("[data-diagnosis]"),
                                        function (e) { return e.dataset.diagnosis; }),
    checks: doc.querySelectorAll("tr[data-check]").length});
});
</script></body></html>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A localhost HTTP server on a temporary folder (the harness reads the report's DOM, so
    both must come from the same origin)."""
    root = tmp_path_factory.mktemp("served")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def chromium(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with its profile, cache and home inside ``tmp``."""
    assert CHROMIUM is not None
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--hide-scrollbars",
               f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0",
               *args, url]
    return subprocess.run(command, capture_output=True, text=True, env=env,
                          timeout=BROWSER_TIMEOUT_S, stdin=subprocess.DEVNULL)


def console_messages(stderr: str) -> list[str]:
    """What the page wrote to the console (errors, CSP violations, failed loads...)."""
    return [line for line in stderr.splitlines() if re.search(r":CONSOLE[:(]", line)]


def load(page: str, server: tuple[str, Path], tmp: Path) -> tuple[dict, list[str]]:
    """Open ``page`` in Chromium through the harness: what it saw, and its console."""
    base, root = server
    # New names and a new profile on every load: Chromium caches what the server sent, and
    # a second page under the same name could be answered with the first.
    run = next(_LOADS)
    (root / f"report-{run}.html").write_text(page, encoding="utf-8")
    (root / f"harness-{run}.html").write_text(HARNESS.replace("REPORT", f"report-{run}.html"),
                                              encoding="utf-8")
    profile = tmp / f"load-{run}"
    profile.mkdir()
    proc = chromium(f"{base}/harness-{run}.html", profile, "--dump-dom",
                    "--virtual-time-budget=10000")
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = re.search(r'<pre id="result">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stdout[-2000:]
    raw = html.unescape(found[1])
    assert raw != "pending", "the report frame never finished loading"
    return json.loads(raw), console_messages(proc.stderr)


def screenshot(page: str, tmp: Path, name: str = "report.png") -> Path:
    path = tmp / name
    source = tmp / f"{name}.html"
    source.write_text(page, encoding="utf-8")
    proc = chromium(source.as_uri(), tmp, f"--screenshot={path}",
                    f"--window-size={WINDOW[0]},{WINDOW[1]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert path.is_file(), proc.stderr[-3000:]
    return path


def images_shown(seen: dict, expected: int) -> list[str]:
    """What is wrong with the images the browser saw ([] when all are there and shown)."""
    problems = []
    if len(seen["images"]) != expected:
        problems.append(f"{len(seen['images'])} images instead of {expected}")
    for i, img in enumerate(seen["images"]):
        if not (img["complete"] and img["naturalWidth"] > 0 and img["naturalHeight"] > 0):
            problems.append(f"image {i} did not decode")
        elif not (img["visible"] and img["shownWidth"] > 100 and img["shownHeight"] > 100):
            problems.append(f"image {i} is not shown")
    return problems


def plot_pixels(png: Path) -> int:
    """How many distinct strongly coloured pixels the screenshot has. The page's own design
    is white, greys and a few flat accent colours; heat maps add hundreds of shades."""
    import numpy as np
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == WINDOW
        rgb = np.asarray(im.convert("RGB")).reshape(-1, 3)
        hsv = np.asarray(im.convert("RGB").convert("HSV")).reshape(-1, 3)
    strong = rgb[(hsv[:, 1] > 90) & (hsv[:, 2] > 40)]
    return len(np.unique(strong, axis=0))


PLOTS_SHOWN = 1500  # distinct saturated colours; measured: ~6900 with the plots, ~280 without


def strip_images(page: str) -> str:
    return re.sub(r"<img [^>]*>", "", page)


def break_images(page: str) -> str:
    return re.sub(r'src="data:image/png;base64,[^"]*"', 'src="data:image/png;base64,AAAA"',
                  page)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_report_loads_without_console_messages_and_shows_every_image(
        lang: str, server: tuple[str, Path], tmp_path: Path) -> None:
    seen, console = load(rendered(lang), server, tmp_path)
    assert console == []
    assert images_shown(seen, expected=3) == []
    assert seen["lang"] == lang
    assert seen["diagnosis"] == [WRONG_GATE_ID]
    assert seen["checks"] > 10


def test_the_image_check_notices_missing_or_broken_images(
        server: tuple[str, Path], tmp_path: Path) -> None:
    seen, _ = load(strip_images(rendered("en")), server, tmp_path)
    assert images_shown(seen, expected=3) == ["0 images instead of 3"]
    seen, _ = load(break_images(rendered("en")), server, tmp_path)
    assert images_shown(seen, expected=3) == [f"image {i} did not decode" for i in range(3)]


def test_an_external_resource_would_be_blocked_and_reported(
        server: tuple[str, Path], tmp_path: Path) -> None:
    # The console check is live: a report that tried to fetch something would fail it.
    page = rendered("en").replace("</main>", '<img src="http://127.0.0.1:9/x.png"></main>')
    _, console = load(page, server, tmp_path)
    assert console and "Content Security Policy" in " ".join(console)


def test_a_screenshot_shows_the_plots_and_not_without_the_images(tmp_path: Path) -> None:
    shot = screenshot(rendered("en"), tmp_path)
    shown = plot_pixels(shot)
    assert shown >= PLOTS_SHOWN, shown
    bare = plot_pixels(screenshot(strip_images(rendered("en")), tmp_path, "bare.png"))
    assert bare < PLOTS_SHOWN, bare
    broken = plot_pixels(screenshot(break_images(rendered("en")), tmp_path, "broken.png"))
    assert broken < PLOTS_SHOWN, broken
    out = os.environ.get("LSTM_GRADER_SCREENSHOT_OUT")
    if out:
        shutil.copyfile(shot, out)
    out_es = os.environ.get("LSTM_GRADER_SCREENSHOT_OUT_ES")
    if out_es:
        shot_es = screenshot(rendered("es"), tmp_path, "informe.png")
        assert plot_pixels(shot_es) >= PLOTS_SHOWN
        shutil.copyfile(shot_es, out_es)
