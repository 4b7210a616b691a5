"""AppTest: the course. The start page and its links; every checkpoint (nothing shown before a guess, a right and
a wrong guess judged, the answer following the settings); every exercise (not done at the defaults, done after
the actions that solve it); the progress they add up to."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest

from engine.data import course, mnist
from engine.data.samples import write_tiny_mnist
from engine.present import course_checks as checks
from engine.present import course_path as path
from engine.present import links as L
from tests.helpers import english_sentences, finish_jobs, visible_texts

PAGES = path.PAGE_FILES
ANSWER = re.compile(r"The model's answer: \*\*(.+?)\*\*")


def open_page(app, page: str | None = None, query: dict | None = None):
    at = app()
    if query:
        at.query_params = dict(query)
    if page:
        at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))


# --- reading one checkpoint or exercise ------------------------------------------------------------


def _walk(node, ancestors):
    yield node, ancestors
    for child in getattr(node, "children", {}).values():
        yield from _walk(child, [*ancestors, node])


def _texts(block) -> list[str]:
    kinds = {"markdown", "caption", "info", "success", "warning", "error"}
    return [n.value for n, _ in _walk(block, []) if getattr(n, "type", None) in kinds and isinstance(n.value, str)]


def box(at, item_id: str) -> list[str]:
    """The texts of the bordered box of a checkpoint (found by its buttons) or an exercise (by its goal)."""
    item = checks.BY_ID[item_id]
    keys = {f"course_{item_id}_commit", f"course_{item_id}_retry"}
    for node, ancestors in _walk(at._tree, []):
        if isinstance(item, checks.Checkpoint) and getattr(node, "key", None) in keys:
            return _texts(next(a for a in reversed(ancestors) if a.type != "form"))
        if isinstance(item, checks.Exercise) and getattr(node, "type", None) == "markdown" and item.goal in node.value:
            return _texts(ancestors[-1])
    raise AssertionError(f"{item_id} is not on the page")


def answer(at, item_id: str) -> str | None:
    found = [m.group(1) for t in box(at, item_id) for m in [ANSWER.search(t)] if m]
    return found[0] if found else None


def verdict(at, item_id: str) -> str | None:
    for text in box(at, item_id):
        if "The model's answer" in text:
            return "right" if text.startswith("Right.") else "wrong"
    return None


def commit(at, item_id: str, value):
    cp = checks.BY_ID[item_id]
    widget = {"number": at.number_input, "choice": at.radio, "pair": at.multiselect}[cp.kind]
    widget(key=f"course_{item_id}_guess").set_value(value)
    at.button(key=f"course_{item_id}_commit").click().run()
    assert not at.exception, at.exception
    return at


def retry(at, item_id: str):
    at.button(key=f"course_{item_id}_retry").click().run()
    return at


def nothing_revealed(at, item_id: str) -> None:
    assert answer(at, item_id) is None and not any("locked" in t for t in box(at, item_id))
    assert not [b for b in at.button if b.key == f"course_{item_id}_retry"]


def number(shown: str) -> float:
    return float(shown.replace("%", "").strip())


def judged(at, item_id: str, wrong, right_of, train=None) -> str:
    """Nothing before a guess; a wrong guess judged wrong; the model's answer, as a guess, judged right."""
    nothing_revealed(at, item_id)
    commit(at, item_id, wrong)
    if train is not None:
        assert any("locked" in t for t in box(at, item_id)) and answer(at, item_id) is None
        train(at)
    shown = answer(at, item_id)
    assert shown is not None and verdict(at, item_id) == "wrong", box(at, item_id)
    commit(retry(at, item_id), item_id, right_of(shown))
    assert verdict(at, item_id) == "right" and answer(at, item_id) == shown
    return shown


def status(at, item_id: str) -> str:
    texts = box(at, item_id)
    done, not_yet = (any(f"**{word}**]" in t for t in texts) for word in ("Done.", "Not yet."))
    assert done != not_yet, texts
    return "done" if done else "not yet"


def page_caption(at) -> str:
    (line,) = [c.value for c in at.caption if "Course:" in c.value]
    return line


# --- the start page --------------------------------------------------------------------------------


def test_the_start_page_is_the_default_and_lists_the_five_notes_in_order(app):
    at = open_page(app)
    assert at.title[0].value == "Start here: the course, step by step"
    headings = [h.value for h in at.subheader]
    assert headings == [f"Step {s.number} · {course.titles(s.note)}" for s in path.STEPS]
    assert [n for n in course.NOTES if course.NOTES[n].title in " ".join(headings)] == list(course.NOTES)
    assert "0 of 18 done" in at.get("progress")[0].proto.text
    assert "About 90 minutes in all" in at.caption[0].value


def test_every_link_of_the_start_page_opens_its_view_with_its_settings(app):
    at = open_page(app)
    page_links = at.get("page_link")
    views = [v for s in path.STEPS for v in s.views]
    assert len(page_links) == len(views)
    urls = {
        "sigmoid": "sigmoid",
        "logistic": "logistic",
        "losses": "losses",
        "softmax": "softmax",
        "plane": "softmax_plane",
    }
    for link, view in zip(page_links, views, strict=True):
        assert link.proto.page == urls[view.page]
        query = parse_qs(link.proto.query_string, keep_blank_values=True)
        assert query == view.settings()
        opened = open_page(app, view.page, {k: v if len(v) > 1 else v[0] for k, v in query.items()})
        fields = opened.session_state["_links_run"].fields
        for name, raws in query.items():
            f = fields[name]
            assert L.write(f, opened.session_state[f.key]) == raws, (view.label, name)
        assert not [w for w in opened.warning if "this link" in w.value]


def test_a_link_from_before_the_start_page_still_opens_the_sigmoid_page(app):
    at = open_page(app, None, {"w": "-2", "b": "3", "deriv": "1"})
    assert at.title[0].value == "Sigmoid explorer"
    assert (at.slider(key="sig_w").value, at.slider(key="sig_b").value, at.toggle(key="sig_deriv").value) == (
        -2.0,
        3.0,
        True,
    )


# --- checkpoints and exercises, page by page --------------------------------------------------------


def test_sigmoid_checkpoints(app):
    at = open_page(app, "sigmoid")
    assert judged(at, "sig_at_zero", 0.9, number) == "0.500"
    at.slider(key="sig_b").set_value(1.0).run()
    assert answer(at, "sig_at_zero") == "0.731"  # σ(1): the answer follows b
    assert any("settings have changed" in t for t in box(at, "sig_at_zero"))
    assert judged(at, "sig_decision", 3.0, number) == "-1.000"
    at.slider(key="sig_w").set_value(2.0).run()
    at.slider(key="sig_b").set_value(-3.0).run()
    assert answer(at, "sig_decision") == "1.500"
    assert judged(at, "sig_steepest", 2.0, number) == "0.500"
    at.slider(key="sig_w").set_value(-4.0).run()
    assert answer(at, "sig_steepest") == "1.000"
    assert "3 of 5" in page_caption(at)


def test_sigmoid_exercises(app):
    at = open_page(app, "sigmoid")
    assert status(at, "sig_steep_at_two") == status(at, "sig_left_is_one") == "not yet"
    at.slider(key="sig_w").set_value(2.0).run()
    at.slider(key="sig_b").set_value(-4.0).run()
    assert status(at, "sig_steep_at_two") == "done" and "1 of 5" in page_caption(at)
    at.slider(key="sig_w").set_value(-1.0).run()
    at.slider(key="sig_b").set_value(-1.0).run()
    assert status(at, "sig_left_is_one") == "done" and status(at, "sig_steep_at_two") == "not yet"
    assert "2 of 5" in page_caption(at)  # reached once, counted


def _loss_start(at, data: str, w: float, b: float):
    at.radio(key="loss_data").set_value(data).run()
    at.slider(key="loss_w0").set_value(w).run()
    at.slider(key="loss_b0").set_value(b).run()
    return at


def test_loss_checkpoints(app):
    at = open_page(app, "losses")
    labels = {"MSE": "mse", "BCE": "bce", "Neither: W does not go down": "neither"}
    commit(at, "loss_lowers_w", "mse")
    first = answer(at, "loss_lowers_w")
    wrong = next(k for k in labels.values() if k != labels[first])
    retry(at, "loss_lowers_w")
    assert judged(at, "loss_lowers_w", wrong, labels.get) == first
    _loss_start(at, "hours", -2.0, 3.0)
    assert answer(at, "loss_lowers_w") == "MSE" != first  # from there MSE pushes W down, the wrong way
    shown = judged(at, "loss_worst_term", 100.0, number)
    at.slider(key="loss_w0").set_value(0.5).run()
    assert answer(at, "loss_worst_term") not in (shown, None)


def test_loss_exercise(app):
    at = open_page(app, "losses")
    assert status(at, "loss_bce_in_ten") == "not yet"
    _loss_start(at, "hours", -2.0, 3.0)
    at.number_input(key="loss_lr").set_value(2.0).run()
    assert status(at, "loss_bce_in_ten") == "not yet"  # no step taken yet
    at.button(key="loss_step_10").click().run()
    assert status(at, "loss_bce_in_ten") == "done"


def train_logistic(at):
    finish_jobs(at.button(key="log_train").click().run())
    assert not at.exception


def test_logistic_checkpoints_answer_from_the_trained_run(app):
    at = open_page(app, "logistic")
    nothing_revealed(at, "log_lowest_row")
    commit(at, "log_lowest_row", 6)
    assert judged(at, "log_accuracy", 20.0, number, train=train_logistic) == "100.0 %"
    assert verdict(at, "log_lowest_row") == "wrong" and answer(at, "log_lowest_row") == "1"
    commit(retry(at, "log_lowest_row"), "log_lowest_row", 1)
    assert verdict(at, "log_lowest_row") == "right"
    at.number_input(key="log_epochs").set_value(1).run()
    assert answer(at, "log_accuracy") is None  # another run's question: train it to see
    train_logistic(at)
    assert answer(at, "log_accuracy") == "50.0 %"  # one step from zeros: every row on the class-1 side
    at.selectbox(key="log_preset").set_value("table_6x3").run()
    train_logistic(at)
    assert answer(at, "log_lowest_row") == "2"


def test_logistic_exercise(app):
    at = open_page(app, "logistic")
    assert status(at, "log_exam_sgd") == "not yet"
    at.selectbox(key="log_preset").set_value("exam").run()
    train_logistic(at)
    assert status(at, "log_exam_sgd") == "not yet"  # the preset trains with Adam
    at.selectbox(key="log_optimizer").set_value("sgd").run()
    at.toggle(key="log_standardize").set_value(True).run()
    at.number_input(key="log_lr").set_value(1.0).run()
    train_logistic(at)
    assert status(at, "log_exam_sgd") == "done"


def train_table(at):
    finish_jobs(at.button(key="smx_t_train").click().run())


def test_softmax_table_checkpoint_and_exercise(app):
    at = open_page(app, "softmax")
    assert status(at, "smx_within_100") == "not yet"
    options = {"Yes, every one": "yes", "No, some stay wrong": "no"}
    assert judged(at, "smx_all_right", "no", options.get, train=train_table) == "Yes, every one"
    assert status(at, "smx_within_100") == "not yet"  # 1001 steps
    at.number_input(key="smx_t_steps").set_value(10).run()
    train_table(at)
    assert answer(at, "smx_all_right") == "No, some stay wrong"
    at.radio(key="smx_t_optimizer").set_value("adam").run()
    at.number_input(key="smx_t_steps").set_value(100).run()
    train_table(at)
    assert status(at, "smx_within_100") == "done"


def train_mnist(at):
    finish_jobs(at.button(key="smx_m_train").click().run())


def _pair(shown: str) -> list[int]:
    a, b = shown.split(" · ")[0].split(" ↔ ")
    return [int(a), int(b)]


def test_mnist_checkpoints(app, tiny_mnist):
    at = open_page(app, "softmax")
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    nothing_revealed(at, "mnist_confused")
    commit(at, "mnist_confused", [2, 3])
    shown = judged(at, "mnist_first_epoch", 0.0, number, train=train_mnist)
    pairs = answer(at, "mnist_confused")
    guessed_right = verdict(at, "mnist_confused") == "right"
    assert guessed_right == ("2 ↔ 3" in pairs)
    retry(at, "mnist_confused")
    if guessed_right:
        commit(at, "mnist_confused", [0, 1] if "0 ↔ 1" not in pairs else [0, 2])
        assert verdict(at, "mnist_confused") == "wrong"
        retry(at, "mnist_confused")
    commit(at, "mnist_confused", _pair(pairs))
    assert verdict(at, "mnist_confused") == "right"
    at.number_input(key="smx_m_lr").set_value(0.01).run()
    assert answer(at, "mnist_first_epoch") is None  # these settings have no run yet
    train_mnist(at)
    assert answer(at, "mnist_first_epoch") != shown
    at.number_input(key="smx_m_epochs").set_value(1).run()
    at.number_input(key="smx_m_lr").set_value(0.1).run()
    train_mnist(at)
    assert answer(at, "mnist_confused") not in (pairs, None)  # one epoch: other mix-ups


def test_plane_checkpoints(app):
    at = open_page(app, "plane")
    options = {"Yes, every one": "yes", "No, some stay wrong": "no"}
    assert judged(at, "pln_separable", "no", options.get) == "Yes, every one"
    at.selectbox(key="pln_preset").set_value("rings").run()
    assert answer(at, "pln_separable") == "No, some stay wrong"
    at.selectbox(key="pln_preset").set_value("blobs").run()
    at.radio(key="pln_mode").set_value("manual").run()
    assert judged(at, "pln_point_class", 2, lambda s: int(s.split()[-1])) == "class 0"
    at.number_input(key="pln_pick").set_value(150).run()
    assert answer(at, "pln_point_class") == "class 2"


def test_plane_exercise(app):
    at = open_page(app, "plane")
    assert status(at, "pln_xor_by_hand") == "not yet"
    at.selectbox(key="pln_preset").set_value("xor").run()
    at.radio(key="pln_mode").set_value("manual").run()
    assert status(at, "pln_xor_by_hand") == "not yet"  # the default sliders: 50 %
    for key, value in {"pln_w0_1": 1.0, "pln_w0_2": 1.0, "pln_b0": -2.0, "pln_w1_1": 0.0, "pln_w1_2": 0.0}.items():
        at.slider(key=key).set_value(value).run()
    at.slider(key="pln_b1").set_value(0.0).run()
    assert status(at, "pln_xor_by_hand") == "done"


# --- progress ----------------------------------------------------------------------------------------


def test_progress_adds_up_on_the_start_page_and_resets(app):
    at = open_page(app, "sigmoid")
    commit(at, "sig_at_zero", 0.5)
    at.slider(key="sig_w").set_value(-1.0).run()
    at.slider(key="sig_b").set_value(-1.0).run()
    assert "2 of 5" in page_caption(at)
    at.switch_page(PAGES["start"]).run()
    assert "2 of 18 done" in at.get("progress")[0].proto.text
    step1, step2 = [c.value for c in at.caption if "minutes ·" in c.value][:2]
    assert "1 of 2 done" in step1 and "1 of 5 done" in step2
    at.button(key="course_reset").click().run()
    assert "0 of 18 done" in at.get("progress")[0].proto.text
    at.switch_page(PAGES["sigmoid"]).run()
    assert "0 of 5" in page_caption(at) or "1 of 5" in page_caption(at)  # the flipped curve is still reached
    nothing_revealed(at, "sig_at_zero")


def test_in_korean_the_course_shows_no_english_sentence(app):
    at = app()
    at.context = {"locale": "ko-KR"}
    at.run()

    def assert_korean():
        assert not at.exception, at.exception
        english = english_sentences(visible_texts(at))
        assert not english, f"English in Korean mode: {english[:8]}"

    assert_korean()
    at.switch_page(PAGES["sigmoid"]).run()
    commit(at, "sig_at_zero", 0.9)
    commit(at, "sig_decision", 0.0)
    at.slider(key="sig_w").set_value(2.0).run()
    at.slider(key="sig_b").set_value(-4.0).run()  # one exercise done, the other not
    assert_korean()
    at.switch_page(PAGES["losses"]).run()
    commit(at, "loss_lowers_w", "bce")
    commit(at, "loss_worst_term", 1.0)
    assert_korean()
    at.switch_page(PAGES["logistic"]).run()
    commit(at, "log_accuracy", 50.0)
    assert_korean()  # locked, waiting for Train
    train_logistic(at)
    commit(at, "log_lowest_row", 3)
    assert_korean()
    at.switch_page(PAGES["plane"]).run()
    commit(at, "pln_separable", "no")
    commit(at, "pln_point_class", 1)
    assert_korean()
    at.switch_page(PAGES["softmax"]).run()
    commit(at, "smx_all_right", "yes")
    train_table(at)
    assert_korean()
    at.switch_page(PAGES["start"]).run()
    assert_korean()
