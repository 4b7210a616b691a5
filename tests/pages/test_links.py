"""Links that open the same view: reading and writing settings (engine.present.links) and every page's address (ui.links)."""

import random

import pytest

from engine.data import course
from engine.models import losses as losses_engine
from engine.present import links as L
from tests.helpers import finish_jobs, page_state

HOSTILE = "9" * 10_000  # a 10 kB value


# --- engine.present.links: one value at a time ----------------------------------------------------------

W = L.number("w", "sig_w", "W (weight: steepness)", -5, 5, 1.0, step=0.1)


@pytest.mark.parametrize(
    "raw, value, problem",
    [
        ("-2", -2.0, None),
        ("−2.5", -2.5, None),  # a typed minus sign
        (" 3 ", 3.0, None),
        ("0.30000000000000004", 0.30000000000000004, None),  # a slider's own float noise is kept
        ("9", 5.0, "outside"),
        ("-1e300", -5.0, "outside"),
        ("0.123", 0.1, "between the control's steps"),
        ("nan", None, "not a number"),
        ("inf", None, "not a number"),
        ("-Infinity", None, "not a number"),
        ("abc", None, "not a number"),
        ("", None, "not a number"),
        (HOSTILE, None, "10,000 characters long"),
    ],
)
def test_a_number_is_kept_clamped_moved_to_a_step_or_ignored(raw, value, problem):
    reading = L.read(W, [raw])
    assert reading.value == value
    if problem is None:
        assert reading.problem is None
    else:
        text = str(reading.problem)
        assert problem in text and "W (weight: steepness)" in text and len(text) < 200


def test_a_setting_given_twice_takes_the_last_one():
    assert L.read(W, ["1", "2"]).value == 2.0


def test_whole_numbers_round_and_clamp():
    f = L.whole("steps", "loss_steps", "Steps taken", 0, 2000, 0)
    assert L.read(f, ["10"]) == L.Reading(10)
    assert L.read(f, ["10.4"]).value == 10 and "not a whole number" in str(L.read(f, ["10.4"]).problem)
    assert L.read(f, ["1e9"]).value == 2000 and "outside 0 … 2000" in str(L.read(f, ["1e9"]).problem)
    assert L.read(f, ["-5"]).value == 0
    assert isinstance(L.read(f, ["7.0"]).value, int)


def test_flags_choices_and_lists():
    flag = L.flag("deriv", "sig_deriv", "Derivative σ′(z)")
    assert [L.read(flag, [r]).value for r in ("1", "0", "TRUE", "off", "yes")] == [True, False, True, False, True]
    assert L.read(flag, ["maybe"]).value is None and "neither on (1) nor off (0)" in str(
        L.read(flag, ["maybe"]).problem
    )
    opt = L.choice("optimizer", "log_optimizer", "Optimizer", ["sgd", "adam", "lbfgs"], "sgd")
    assert L.read(opt, ["ADAM"]).value == "adam"
    assert L.read(opt, ["rmsprop"]).value is None and "not one of sgd, adam, lbfgs" in str(
        L.read(opt, ["rmsprop"]).problem
    )
    acts = L.choices("acts", "sig_acts", "Functions", ["sigmoid", "tanh", "ReLU"], ["sigmoid"])
    assert L.read(acts, ["tanh", "relu", "tanh"]) == L.Reading(["tanh", "ReLU"])
    assert L.read(acts, [""]) == L.Reading([])
    mixed = L.read(acts, ["tanh", "<b>x</b>"])
    assert mixed.value == ["tanh"] and "left out “<b>x</b>”" in str(mixed.problem)


def test_a_span_needs_two_numbers_and_is_put_in_order():
    x = L.span("x", "sig_x", "x range", -20, 20, (-5.0, 5.0), step=0.5)
    assert L.read(x, ["5", "-10"]) == L.Reading((-10.0, 5.0))
    assert L.read(x, ["-30", "2"]).value == (-20.0, 2.0)
    assert L.read(x, ["1"]).value is None and "needs two numbers" in str(L.read(x, ["1"]).problem)
    assert L.read(x, ["1", "nan"]).value is None


def test_written_values_read_back_exactly():
    rng = random.Random(0)
    f = L.number("lr", "loss_lr", "Learning rate (lr)", 0, 1e6)
    for _ in range(500):
        value = rng.choice([rng.random(), rng.uniform(0, 1e6), 10 ** rng.uniform(-12, 5), 0.1 * rng.randint(0, 50)])
        (text,) = L.write(f, value)
        assert L.read(f, [text]) == L.Reading(value)
    assert L.write(f, 2.0) == ["2"] and L.write(f, 1e-05) == ["1e-05"]
    x = L.span("x", "sig_x", "x range", -20, 20, (-5.0, 5.0))
    assert L.write(x, (-10.0, 12.5)) == ["-10", "12.5"]
    acts = L.choices("acts", "sig_acts", "Functions", ["sigmoid", "tanh"])
    assert L.write(acts, []) == [""] and L.read(acts, L.write(acts, [])).value == []


def test_only_settings_that_differ_from_their_default_are_written():
    fields = [W, L.flag("deriv", "sig_deriv", "Derivative σ′(z)"), L.number("lr", "k", "Learning rate", 0, 1)]
    state = {"sig_w": 1.0, "sig_deriv": True, "k": 0.5}
    assert L.values_of(fields, lambda f: state[f.key]) == {"deriv": ["1"], "lr": ["0.5"]}  # lr has no default


def test_a_long_name_or_value_is_quoted_short_in_a_notice():
    assert len(str(L.unknown_name("x" * 10_000))) < 120
    assert L.quoted("a\nb  c") == "a b c"


# --- the pages: AppTest with at.query_params ----------------------------------------------------


def open_page(app, page: str | None, query: dict):
    at = app()
    at.query_params = dict(query)
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def notices(at) -> str:
    return "\n".join(w.value for w in at.warning if "this link" in w.value or "링크" in w.value)


def link_box(at) -> str:
    (code,) = at.sidebar.code
    return code.value


SIGMOID_LINK = {
    "w": "-2",
    "b": "3",
    "x": ["-10", "10"],
    "wfam": "1",
    "bfam": "1",
    "deriv": "1",
    "probe": "0.75",
    "acts": ["tanh", "softplus"],
    "stab": "1000",
    "lang": "en",
}


def sigmoid_controls(at) -> dict:
    return {
        "w": at.slider(key="sig_w").value,
        "b": at.slider(key="sig_b").value,
        "x": at.slider(key="sig_x").value,
        "wfam": at.toggle(key="sig_wfam").value,
        "bfam": at.toggle(key="sig_bfam").value,
        "deriv": at.toggle(key="sig_deriv").value,
        "probe": at.number_input(key="sig_probe").value,
        "acts": at.multiselect(key="sig_acts").value,
        "stab": at.number_input(key="sig_stab").value,
    }


def test_sigmoid_link_sets_every_control_and_the_address_says_them_back(app):
    at = open_page(app, None, SIGMOID_LINK)
    assert sigmoid_controls(at) == {
        "w": -2.0,
        "b": 3.0,
        "x": (-10.0, 10.0),
        "wfam": True,
        "bfam": True,
        "deriv": True,
        "probe": 0.75,
        "acts": ["tanh", "softplus"],
        "stab": 1000.0,
    }
    assert notices(at) == ""
    assert at.query_params == {k: v for k, v in SIGMOID_LINK.items()}
    assert "x* = −b/W = -3.00 / -2.00 = **1.500**" in " ".join(m.value for m in at.markdown)
    box = link_box(at)
    assert box.startswith("?") and "w=-2&b=3&x=-10&x=10" in box and box.endswith("&lang=en")
    # the same link in a fresh session shows the same page
    again = open_page(app, None, at.query_params)
    assert sigmoid_controls(again) == sigmoid_controls(at)


def test_a_moved_control_changes_the_address_and_a_late_address_never_undoes_it(app):
    at = open_page(app, None, {"w": "-2"})
    at.slider(key="sig_w").set_value(3.0).run()
    assert at.query_params["w"] == "3"
    at.query_params["w"] = "-2"  # the browser's address lagging one click behind: a value this session wrote
    at.slider(key="sig_b").set_value(1.0).run()
    assert at.slider(key="sig_w").value == 3.0 and at.query_params == {"w": "3", "b": "1", "lang": "en"}
    at.button(key="sig_reset").click().run()
    assert at.query_params == {"lang": "en"}  # defaults are not written
    assert link_box(at) == "?lang=en"


def test_hostile_sigmoid_link_is_clamped_or_ignored_with_a_notice_and_the_rest_applies(app):
    query = {
        "w": "99",
        "b": HOSTILE,
        "x": ["3", "nan"],
        "deriv": "sometimes",
        "probe": "NaN",
        "acts": ["tanh", "<script>alert(1)</script>"],
        "stab": "-1e400",
        "sig_w": "2",  # an old-style name
        HOSTILE[:500]: "1",
        "lang": "xx",
        "wfam": "1",
    }
    at = open_page(app, None, query)
    c = sigmoid_controls(at)
    assert c["w"] == 5.0 and c["b"] == 0.0 and c["x"] == (-5.0, 5.0) and c["deriv"] is False
    assert c["acts"] == ["tanh"] and c["stab"] == -1000.0 and c["wfam"] is True  # the rest still applies
    text = notices(at)
    for expected in (
        "99 is outside \\-5 … 5, so it was set to 5",
        "10,000 characters long",
        "needs two numbers",
        "neither on (1) nor off (0)",
        "“NaN” is not a number",
        "left out “\\<script\\>alert\\(1\\)\\</script…”",  # escaped, and cut at 24 characters
        "“-1e400” is not a number".replace("-", "\\-"),
        "“sig\\_w” is not a setting of this page",
        "“999999999999999999999999…” is not a setting",  # a 500-character name, cut
        "“xx” is not a language of this app",
    ):
        assert expected in text, expected
    assert len(text) < 3000
    assert at.query_params == {"w": "5", "wfam": "1", "acts": "tanh", "lang": "en"}  # cleaned up
    at.slider(key="sig_b").set_value(0.5).run()
    assert notices(at) == ""  # said once


def test_loss_link_repeats_the_steps_from_its_start(app):
    query = {"data": "hours", "w": "-2", "b": "3", "lr": "0.5", "steps": "10", "psource": "typed", "lang": "en"}
    at = open_page(app, "pages/losses.py", query)
    assert at.radio(key="loss_data").value == "hours" and at.radio(key="loss_psource").value == "typed"
    assert (at.slider(key="loss_w0").value, at.slider(key="loss_b0").value) == (-2.0, 3.0)
    assert at.number_input(key="loss_lr").value == 0.5
    linked = page_state(at, "LossState").paths
    assert {int(p["step"].iloc[-1]) for p in linked.values()} == {10}
    assert at.query_params == query
    # the same ten steps pressed by hand from the same start give the same numbers
    by_hand = open_page(app, "pages/losses.py", {})
    by_hand.radio(key="loss_data").set_value("hours").run()
    by_hand.slider(key="loss_w0").set_value(-2.0)
    by_hand.slider(key="loss_b0").set_value(3.0)
    by_hand.number_input(key="loss_lr").set_value(0.5).run()
    by_hand.button(key="loss_step_10").click().run()
    pressed = page_state(by_hand, "LossState").paths
    for kind in losses_engine.LOSSES:
        assert pressed[kind].equals(linked[kind])
    assert by_hand.query_params == {k: v for k, v in query.items() if k != "psource"}
    # one more press is in the address at once
    at.button(key="loss_step_1").click().run()
    assert at.query_params["steps"] == "11"


def test_loss_link_steps_are_computed_once_and_shared_by_every_session(app, monkeypatch):
    from ui import cache

    cache.gd_path.clear()
    real, calls = losses_engine.gd_path, []

    def counting(*args, **kwargs):
        calls.append(args[5])  # steps
        return real(*args, **kwargs)

    monkeypatch.setattr(losses_engine, "gd_path", counting)
    query = {"steps": "300", "lang": "en"}
    first = open_page(app, "pages/losses.py", query)
    assert calls.count(300) == 2  # BCE's path and MSE's
    second = open_page(app, "pages/losses.py", query)
    assert calls.count(300) == 2  # the second session finds both computed
    xs, ys, w, b, lr = page_state(first, "LossState").sig
    for kind in losses_engine.LOSSES:
        shared = page_state(second, "LossState").paths[kind]
        assert shared.equals(page_state(first, "LossState").paths[kind]) and int(shared["step"].iloc[-1]) == 300
        assert shared.equals(real(xs, ys, w, b, lr, 300, kind).frame)  # the engine's own numbers


def test_loss_link_defaults_are_the_plateau_demo_and_bad_values_are_clamped(app):
    at = open_page(app, "pages/losses.py", {})
    assert at.query_params == {"lang": "en"}  # the plateau demo start is the page's default
    at = open_page(app, "pages/losses.py", {"w": "1e9", "steps": "999999", "lr": "-1", "data": "nope"})
    text = notices(at)
    assert "**Start W** (w): 1e9 is outside" in text.replace("\\", "")
    assert "999999 is outside 0 … 2000, so it was set to 2000" in text.replace("\\", "")
    assert "“nope” is not one of exam, hours" in text
    state = page_state(at, "LossState")
    assert max(int(p["step"].iloc[-1]) for p in state.paths.values()) <= 2000
    assert at.number_input(key="loss_lr").value == 0.0
    assert any("learning rate is 0" in w.value for w in at.warning)  # lr -1 → 0: the page's own warning


def test_logistic_link_sets_preset_and_settings_and_a_trained_run_shows_at_once(app):
    query = {"preset": "exam", "lr": "0.05", "epochs": "300", "seed": "7", "holdout": "0.25", "l2": "0.01"}
    at = open_page(app, "pages/logistic.py", query)
    assert notices(at) == ""
    assert at.selectbox(key="log_preset").value == "exam"
    assert at.number_input(key="log_lr").value == 0.05 and at.number_input(key="log_epochs").value == 300
    assert at.number_input(key="log_holdout").value == 0.25 and at.number_input(key="log_l2").value == 0.01
    assert at.selectbox(key="log_optimizer").value == course.PRESETS["exam"].settings.optimizer  # the preset's own
    assert at.query_params == {**query, "lang": "en"}
    assert "4. Results" not in [h.value for h in at.header]
    at.button(key="log_train").click().run()
    finish_jobs(at)
    assert "4. Results" in [h.value for h in at.header]
    from ui.cache import job_runner

    started = job_runner().counts["started"]
    # someone else opening the same link sees no result until they ask for it (a result is theirs to ask for)
    other = open_page(app, "pages/logistic.py", at.query_params)
    assert "4. Results" not in [h.value for h in other.header]
    other.button(key="log_train").click().run()  # Train: the finished run at once, trained once for both
    assert "4. Results" in [h.value for h in other.header]
    assert [m.value for m in other.metric] == [m.value for m in at.metric]
    assert any("shown at once" in c.value for c in other.caption)
    # a link that asks for the result (run=1, a teacher's link) shows it on opening
    linked = open_page(app, "pages/logistic.py", {**at.query_params, "run": "1"})
    assert "4. Results" in [h.value for h in linked.header] and notices(linked) == ""
    assert [m.value for m in linked.metric] == [m.value for m in at.metric]
    assert job_runner().counts["started"] == started and "run" not in linked.query_params


def test_logistic_link_with_bad_values_keeps_the_preset_settings(app):
    query = {"preset": "nope", "optimizer": "rmsprop", "epochs": "0.5", "seed": "-3", "holdout": "-2", "lr": "0"}
    at = open_page(app, "pages/logistic.py", query)
    text = notices(at).replace("\\", "")
    assert "“nope” is not one of" in text and "“rmsprop” is not one of sgd, adam, lbfgs" in text
    assert "0.5 is outside 1 … 100000, so it was set to 1" in text  # rounds to 0, then clamped
    assert "-2 is outside 0 … 0.9, so it was set to 0" in text and "0 is outside 1e-06 … 10000" in text
    default = course.PRESETS[course.DEFAULT_PRESET].settings
    assert at.selectbox(key="log_preset").value == course.DEFAULT_PRESET
    assert at.selectbox(key="log_optimizer").value == default.optimizer
    assert at.number_input(key="log_seed").value == 0 and at.number_input(key="log_lr").value == 1e-06
    assert not at.error


def test_upload_source_in_a_link_says_the_file_is_not_in_it(app):
    at = open_page(app, "pages/logistic.py", {"source": "upload"})
    assert at.radio(key="log_source").value == "upload"
    assert at.query_params == {"source": "upload", "lang": "en"}
    at.file_uploader[0].set_value(("d.csv", b"x,y\n1,0\n2,0\n3,1\n4,1\n", "text/csv")).run()
    assert any("not the uploaded file" in c.value for c in at.caption)


def test_korean_link_notices(app):
    at = open_page(app, None, {"w": "9", "zz": "1", "lang": "ko"})
    text = notices(at)
    assert (
        "이 링크의 일부 값" in text
        and "범위를 벗어나서 5(으)로 맞췄습니다" in text
        and "이 페이지의 설정이 아니어서" in text
    )
    assert "**이 화면의 링크**" in [m.value for m in at.sidebar.markdown]
    assert link_box(at) == "?w=5&lang=ko"


def test_every_page_has_a_link_box_and_drops_the_last_page_s_settings_quietly(app):
    at = open_page(app, None, {"w": "-2"})
    for page in ("pages/logistic.py", "pages/losses.py", "pages/softmax.py", "pages/sigmoid.py"):
        at.switch_page(page).run()  # AppTest keeps the address across pages: the harder case
        assert not at.exception
        assert notices(at) == ""
        assert link_box(at).endswith("lang=en")
    assert at.slider(key="sig_w").value == -2.0  # kept in the session
    assert at.query_params == {"w": "-2", "lang": "en"}


@pytest.fixture
def tiny_root(tmp_path, monkeypatch):
    from engine.data import mnist
    from engine.data.samples import write_tiny_mnist

    root = write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)
    monkeypatch.setenv(mnist.DATA_ENV, str(root))
    return root


def test_softmax_link_opens_the_mnist_tab_with_its_settings_and_a_finished_run(app, tiny_root):
    query = {"tab": "mnist", "m_epochs": "2", "m_lr": "0.05", "m_batch_size": "64", "m_optimizer": "adam"}
    at = open_page(app, "pages/softmax.py", query)
    assert notices(at) == ""
    assert at.number_input(key="smx_m_epochs").value == 2 and at.number_input(key="smx_m_lr").value == 0.05
    assert at.selectbox(key="smx_m_batch_size").value == 64 and at.radio(key="smx_m_optimizer").value == "adam"
    assert at.query_params == {**query, "lang": "en"}
    at.button(key="smx_m_train").click().run()
    finish_jobs(at)
    accuracy = [m.value for m in at.metric]
    assert accuracy
    other = open_page(app, "pages/softmax.py", at.query_params)  # no result until asked for
    assert not other.metric
    other = open_page(app, "pages/softmax.py", {**at.query_params, "run": "1"})  # asked for by the link
    finish_jobs(other)
    assert [m.value for m in other.metric] == accuracy


def test_softmax_link_small_table_settings_and_bad_values(app):
    query = {"t_steps": "500", "t_optimizer": "Adam", "t_lr": "99", "m_batch_size": "100", "tab": "weights"}
    at = open_page(app, "pages/softmax.py", query)
    assert at.number_input(key="smx_t_steps").value == 500 and at.radio(key="smx_t_optimizer").value == "adam"
    assert at.number_input(key="smx_t_lr").value == 10.0
    text = notices(at).replace("\\", "")
    assert "99 is outside 0.0001 … 10, so it was set to 10" in text
    assert (
        "“100” is not one of 16, 32, 64, 128, 256, 512, 1024" in text and "“weights” is not one of table, mnist" in text
    )
    assert at.query_params == {"t_steps": "500", "t_lr": "10", "t_optimizer": "adam", "lang": "en"}


def test_plane_link_brings_its_preset_points_settings_and_manual_sliders(app):
    query = {
        "preset": "xor",
        "points": "80",
        "data_seed": "3",
        "mode": "manual",
        "w1_1": "2.5",
        "b0": "-1",
        "slow": "0",
    }
    at = open_page(app, "pages/softmax_plane.py", query)
    assert notices(at) == ""
    assert at.selectbox(key="pln_preset").value == "xor" and at.number_input(key="pln_points").value == 80
    assert at.radio(key="pln_mode").value == "manual"
    assert at.slider(key="pln_w1_1").value == 2.5 and at.slider(key="pln_b0").value == -1.0
    assert page_state(at, "PlaneState").origin is not None
    shown = [c.value for c in at.caption if "The table holds" in c.value]
    assert shown == ["The table holds 80 points of 2 classes."]
    assert at.query_params == {**query, "lang": "en"}
    again = open_page(app, "pages/softmax_plane.py", at.query_params)
    assert [c.value for c in again.caption if "The table holds" in c.value] == shown
    assert again.slider(key="pln_w1_1").value == 2.5


def test_plane_link_with_bad_values(app):
    at = open_page(app, "pages/softmax_plane.py", {"k": "40", "points": "abc", "w9_1": "1", "lr": "0"})
    text = notices(at).replace("\\", "")
    assert "40 is outside 2 … 6, so it was set to 6" in text and "“abc” is not a number" in text
    assert "“w9_1” is not a setting of this page" in text and "0 is outside 0.0001 … 10" in text
    assert at.number_input(key="pln_k").value == 6


def test_logistic_link_carries_the_threshold(app):
    at = open_page(app, "pages/logistic.py", {"threshold": "0.3", "run": "1"})
    finish_jobs(at)
    assert notices(at) == "" and at.slider(key="log_threshold").value == 0.3
    assert at.query_params["threshold"] == "0.3"
    at.slider(key="log_threshold").set_value(0.72).run()
    assert at.query_params["threshold"] == "0.72" and "threshold=0.72" in link_box(at)
    # the same link in a fresh session: the same threshold, so the same counts and scores
    again = open_page(app, "pages/logistic.py", {**at.query_params, "run": "1"})
    finish_jobs(again)
    assert again.slider(key="log_threshold").value == 0.72
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    at.slider(key="log_threshold").set_value(0.5).run()
    assert "threshold" not in at.query_params  # the default is not written
    bad = open_page(app, "pages/logistic.py", {"threshold": "1.5"})
    assert "1.5 is outside 0.01 … 0.99, so it was set to 0.99" in notices(bad).replace("\\", "")
    assert bad.session_state["log_threshold"] == 0.99
