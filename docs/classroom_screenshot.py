"""Re-take docs/classroom-teacher-ko.png: eight learners fill a room through the pages, a Korean teacher looks.

    .venv/bin/python docs/classroom_screenshot.py [--out docs/classroom-teacher-ko.png]

The learners are AppTest sessions taking the pages' own paths (join by link, commit checkpoint guesses,
train the exam preset with λ and held-out rows and send the run, train MNIST on a small stand-in and
send an uploaded digit, saying which digit they meant); the teacher is headless Chromium in ko-KR on
a served app that shares their rooms folder (a temporary one). ``make screenshots`` runs it.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAMES = ["민준", "서연", "지호", "하은", "도윤", "수아", "예준", "지우"]
AT_ZERO = [0.5, 0.5, 0.6, 0.45, 0.5, 0.73, 0.5, 0.3]  # guesses of σ(0)
DECISION = [0.0, 0.0, 0.5, -0.5, 0.0, 1.0, 0.0, 0.0]  # guesses of the decision point
LAMBDAS = [0.0, 0.01, 0.1, 0.3, 1.0, 0.03]  # the first six send an exam run with this λ
MEANT = [7, 1, 0, 4, 7, 1, 7, 0]


def digit_png(shape: int, seed: int) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (120, 160), "white")
    d = ImageDraw.Draw(img)

    def jitter(points):
        return [(x + rng.randint(-8, 8), y + rng.randint(-8, 8)) for x, y in points]

    if shape == 0:
        d.ellipse([25 + rng.randint(-5, 5), 20, 95, 140], outline="black", width=12)
    else:
        strokes = {1: [(60, 20), (62, 140)], 4: [(80, 140), (80, 20), (25, 100), (100, 100)]}
        d.line(jitter(strokes.get(shape, [(30, 30), (95, 30), (55, 140)])), fill="black", width=12)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def learner(i: int, code: str) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.helpers import finish_jobs

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.query_params = {"room": code, "lang": "ko"}
    at.run()
    at.switch_page("pages/sigmoid.py").run()
    at.text_input(key="room_side_name").input(NAMES[i])
    next(b for b in at.button if b.label == "들어가기").click().run()
    for item, guess in (("sig_at_zero", AT_ZERO[i]), ("sig_decision", DECISION[i])):
        at.number_input(key=f"course_{item}_guess").set_value(guess)
        at.button(key=f"course_{item}_commit").click().run()
    if i < len(LAMBDAS):
        at.query_params = {"preset": "exam", "l2": str(LAMBDAS[i]), "holdout": "0.25", "run": "1", "lang": "ko"}
        at.switch_page("pages/logistic.py").run()
        finish_jobs(at)
        at.button(key="room_send_logistic").click().run()
    at.switch_page("pages/softmax.py").run()
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    finish_jobs(at.button(key="smx_m_train").click().run())
    at.file_uploader(key="smx_upload").set_value((f"{i}.png", digit_png(MEANT[i], i), "image/png")).run()
    at.selectbox(key="room_meant_upload").set_value(MEANT[i]).run()
    at.button(key="room_send_upload").click().run()
    assert not at.exception, at.exception


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "classroom-teacher-ko.png"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="logitlab-room-shot-"))
    os.environ["LOGITLAB_DATA_DIR"] = str(work / "rooms")
    from engine.data import mnist
    from engine.data.samples import write_tiny_mnist

    os.environ[mnist.DATA_ENV] = str(write_tiny_mnist(work / "mnist", n_train=600, n_test=100))
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from engine.rooms.store import RoomStore, default_url
    from tests.conftest import CHROMIUM_ARGS, serve_app

    code, key = RoomStore(default_url()).create_room()
    for i in range(len(NAMES)):
        learner(i, code)
    env = {"LOGITLAB_DATA_DIR": os.environ["LOGITLAB_DATA_DIR"], mnist.DATA_ENV: os.environ[mnist.DATA_ENV]}
    with serve_app(work / "server.log", env) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        tab = browser.new_context(viewport={"width": 1400, "height": 4200}, locale="ko-KR").new_page()
        tab.set_default_timeout(90_000)
        tab.goto(f"{url}/classroom?room={code}&key={key}")
        tab.get_by_text(f"접속 중: {len(NAMES)}명 중 {len(NAMES)}명").wait_for()
        tab.get_by_text("학생이 쓰려던 숫자(행)와 모델이 읽은 숫자(열)").wait_for()
        tab.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()
        tab.locator('[data-testid="stImage"] img').last.wait_for()
        bottom = tab.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=stMainBlockContainer] > div > div')]"
            ".map(e => e.getBoundingClientRect().bottom))"
        )
        shot = work / "teacher.png"
        tab.screenshot(path=str(shot))
        browser.close()
    Image.open(shot).crop((0, 0, 1400, min(4200, int(bottom) + 40))).save(args.out, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
