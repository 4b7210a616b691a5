"""AppTest: the logistic page says one thing at a time. An upload with more than two classes, a result for
another table, the settings an upload changes, and what the x axis of an L-BFGS run counts."""

from __future__ import annotations

import pytest

from tests.helpers import chart_spec, finish_jobs, page_state
from tests.helpers import upload_table as upload
from tests.pages.test_logistic_page import real_like_csv

PLANE_PAGE = "softmax_plane"  # the address of the Softmax on a plane page


@pytest.fixture
def at(app):
    at = app().run()
    at.switch_page("pages/logistic.py").run()
    assert not at.exception
    return at


def train(at):
    at.button(key="log_train").click().run()
    finish_jobs(at)
    assert not at.exception
    return at


def texts(nodes) -> str:
    return "\n".join(n.value for n in nodes)


def links_to(at, page: str) -> list:
    return [link for link in at.get("page_link") if link.proto.page == page]


def settings_of(at) -> dict:
    return {k: at.session_state[f"log_{k}"] for k in ("optimizer", "lr", "epochs", "standardize", "l2", "holdout")}


def settings_notice(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**The upload changed these settings**")]


# --- item 4: a broken upload --------------------------------------------------------------------

THREE_CLASSES_LAST = b"hours,passed,grade\n1,0,A\n2,0,B\n3,1,C\n4,1,A\n5,1,B\n6,0,C\n"
ONLY_THREE_CLASSES = b"hours,grade\n1,A\n2,B\n3,C\n4,A\n"


def test_a_two_class_column_is_the_label_when_the_last_column_has_three(at):
    upload(at, THREE_CLASSES_LAST, "grades.csv")
    assert at.selectbox(key="log_label").value == "passed"
    assert at.multiselect(key="log_features").value == ["hours"]
    assert not at.error and not at.button(key="log_train").disabled
    note = texts(at.markdown)
    assert "The last column, 'grade', has 3 different values, so the label is 'passed'" in note
    assert links_to(at, PLANE_PAGE)  # K classes: offered where they can go
    train(at)
    assert "Labels in 'passed'" in texts(at.markdown)


def test_a_label_with_three_classes_says_so_and_offers_the_softmax_page(at):
    upload(at, ONLY_THREE_CLASSES, "grades.csv")
    assert at.selectbox(key="log_label").value == "grade"  # no column has two classes: the last one, explained
    assert "The label column 'grade' has 3 different values" in texts(at.error)
    assert "Logistic regression separates two classes; softmax regression takes K." in texts(at.markdown)
    assert "columns x1, x2 and class" in texts(at.markdown)
    (link,) = links_to(at, PLANE_PAGE)
    assert link.value == "Open Softmax on a plane"
    assert at.button(key="log_train").disabled
    # the three-class column picked by hand in a table that has a two-class one: the same message and offer
    upload(at, THREE_CLASSES_LAST, "grades2.csv")
    at.selectbox(key="log_label").set_value("grade").run()
    assert "has 3 different values" in texts(at.error) and len(links_to(at, PLANE_PAGE)) == 1
    at.selectbox(key="log_label").set_value("passed").run()
    at.multiselect(key="log_features").set_value(["hours"]).run()
    assert not at.error and not at.button(key="log_train").disabled


def test_a_result_for_another_table_is_folded_away_under_its_name(at):
    train(at)  # the 6×2 preset
    preset_name = page_state(at, "LogisticState").run.result_extra[1]
    upload(at, ONLY_THREE_CLASSES, "grades.csv")
    assert at.button(key="log_train").disabled
    shown = texts(at.warning) + texts(at.info)
    assert "press **Train** to update" not in shown and "Stale result" not in shown
    assert "The last result was trained on another table" in shown and "Fix this table above to train on it." in shown
    # the old result is there, folded under its own table's name, never as this table's
    (folded,) = [e for e in at.expander if e.label.startswith("The last result, trained on")]
    assert folded.proto.expanded is False
    assert "6×2 table" in folded.label and "6×2 table" in preset_name
    trained_on = [c.value for c in at.caption if c.value.startswith("Trained on")]
    assert len(trained_on) == 1 and trained_on == [c.value for c in folded.caption if c.value.startswith("Trained on")]
    assert trained_on[0].startswith("Trained on **6×2 table")
    # a good upload: the same, with Train offered; after training, this table's result shows unfolded
    upload(at, THREE_CLASSES_LAST, "passed.csv")
    assert "Press **Train** to fit this table." in texts(at.info)
    train(at)
    assert not [e for e in at.expander if e.label.startswith("The last result, trained on")]
    assert any(c.value.startswith(r"Trained on **passed\.csv**") for c in at.caption)
    assert "The last result was trained on another table" not in texts(at.info)


def test_a_broken_edit_of_the_same_table_says_fix_it_not_press_train(at):
    train(at)
    key = f"log_table_{at.selectbox(key='log_preset').value}"
    at.session_state[key] = {"edited_rows": {0: {"y": 2}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert "has 3 different values" in texts(at.error) and at.button(key="log_train").disabled
    stale = texts(at.warning)
    assert "**Stale result.**" in stale and "the table now has a problem" in stale
    assert "fix the problem above, then press **Train**." in stale and "press **Train** to update it" not in stale
    assert not [e for e in at.expander if e.label.startswith("The last result, trained on")]  # same table


# --- item 5: what an upload changes in the settings ------------------------------------------------


def test_an_upload_says_which_settings_it_changed_and_why_and_keep_mine_restores_them(at):
    before = settings_of(at)
    assert before["optimizer"] == "sgd" and before["l2"] == 0 and before["holdout"] == 0
    upload(at, real_like_csv(rows=100, cols=4), "real.csv")
    after = settings_of(at)
    assert after["optimizer"] == "lbfgs" and after["l2"] > 0 and after["holdout"] == 0.2
    (notice,) = settings_notice(at)
    assert "- optimizer: SGD → L-BFGS (L-BFGS reaches the minimum" in notice
    assert f"- L2 strength λ: 0 → {after['l2']:g} (scikit-learn's default penalty" in notice
    assert "- held-out share: 0 → 0.2 (rows kept out of training" in notice
    assert "- standardize: off → on" in notice and "- most iterations: 1,001 → 100" in notice
    at.button(key="log_keep_settings").click().run()
    assert settings_of(at) == before
    assert not settings_notice(at)
    assert at.selectbox(key="log_optimizer").value == "sgd" and at.number_input(key="log_l2").value == 0
    assert at.number_input(key="log_holdout").value == 0 and not at.toggle(key="log_standardize").value


def test_the_settings_notice_goes_when_accepted_or_when_a_setting_is_changed(at):
    upload(at, real_like_csv(rows=100, cols=4), "real.csv")
    at.button(key="log_accept_settings").click().run()
    assert not settings_notice(at)
    assert at.session_state["log_optimizer"] == "lbfgs"
    upload(at, real_like_csv(rows=100, cols=4, seed=1), "other.csv")  # the settings are the upload's already
    assert not settings_notice(at)
    at.selectbox(key="log_optimizer").set_value("sgd").run()
    upload(at, real_like_csv(rows=100, cols=4, seed=2), "third.csv")
    assert settings_notice(at)
    at.number_input(key="log_lr").set_value(0.5).run()  # the learner takes over: the notice has done its work
    assert not settings_notice(at)


# --- item 6: the x axis of an L-BFGS run -----------------------------------------------------------


def x_encodings(spec) -> list[dict]:
    out = []
    if isinstance(spec, dict):
        encoding = spec.get("encoding")
        if isinstance(encoding, dict) and isinstance(encoding.get("x"), dict):
            out.append(encoding["x"])
        for value in spec.values():
            out += x_encodings(value)
    elif isinstance(spec, list):
        for value in spec:
            out += x_encodings(value)
    return out


def curve(at, title: str) -> dict:
    for element in at.get("vega_lite_chart"):
        spec = chart_spec(element)
        shown = spec.get("title")
        if isinstance(shown, dict) and shown.get("text", "").startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


@pytest.mark.parametrize(
    ("optimizer", "loss_title", "axis_title"),
    [("lbfgs", "BCE loss per iteration", "L-BFGS iteration"), ("sgd", "BCE loss per epoch", "epoch (optimizer step)")],
)
def test_the_loss_chart_counts_iterations_for_lbfgs_with_whole_number_ticks(at, optimizer, loss_title, axis_title):
    at.selectbox(key="log_optimizer").set_value(optimizer).run()
    at.number_input(key="log_epochs").set_value(8).run()
    train(at)
    for title in (loss_title, loss_title.replace("BCE loss", "Accuracy")):
        xs = x_encodings(curve(at, title))
        assert xs and all(x["title"] == axis_title for x in xs)
        assert all(x["axis"]["tickMinStep"] == 1 and x["axis"]["format"] == "d" for x in xs)
