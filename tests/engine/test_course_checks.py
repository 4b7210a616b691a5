"""The course's registry, judging and progress (pure), and the answers it asks the engine for."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from engine.data import course
from engine.models import losses as L
from engine.models import plane
from engine.present import course_answers as A
from engine.present import course_checks as checks
from engine.present import course_path as path
from engine.text import Msg


def test_the_registry_has_enough_on_every_page_and_its_ids_are_unique():
    assert len(checks.CHECKPOINTS) >= 12 and len(checks.EXERCISES) >= 5
    for page in checks.PAGES:
        assert sum(c.page == page for c in checks.CHECKPOINTS) >= 2, page
    ids = [c.id for c in (*checks.CHECKPOINTS, *checks.EXERCISES)]
    assert len(ids) == len(set(ids)) and set(ids) == set(checks.BY_ID)
    assert sorted(i for s in path.STEPS for i in checks.in_step(s.number)) == sorted(ids)  # every item in a step
    assert {c.kind for c in checks.CHECKPOINTS} == {"number", "choice", "pair"}
    assert all(c.title and c.hint for c in checks.CHECKPOINTS) and all(e.title for e in checks.EXERCISES)


def test_the_path_names_the_five_notes_in_order_with_real_pages():
    assert [s.note for s in path.STEPS] == ["lec6", "likelion", "tutorial6", "classifier", "dl3"]
    assert sorted(s.note for s in path.STEPS) == sorted(course.NOTES)
    assert path.STEPS[0].views[0].page == "sigmoid" and path.STEPS[-1].views[-1].settings() == {"tab": ["mnist"]}
    for step in path.STEPS:
        for view in step.views:
            assert view.page in path.PAGE_TITLES and view.file.startswith("pages/")
    exam = path.exam_plateau()
    w, b = L.plateau_start(
        L.as_sequence(L.DATASETS["exam"]["x"]),
        L.as_sequence(L.DATASETS["exam"]["y"]),
        L.suggested_lr(L.DATASETS["exam"]["x"].to_numpy()),
        50,
    )
    assert (float(exam["w"][0]), float(exam["b"][0]), exam["steps"]) == (w, b, ["10"])


def answer(item_id: str, **live) -> A.Answer:
    found = checks.BY_ID[item_id].answer(live)
    assert isinstance(found, A.Answer), found
    return found


def test_a_number_is_right_within_its_tolerance_and_the_gap_is_signed():
    cp = checks.BY_ID["sig_at_zero"]
    a = answer("sig_at_zero", w=1.0, b=0.0)
    assert a.value == pytest.approx(0.5) and a.tolerance == 0.02
    assert checks.judge(cp, 0.51, a).right
    wrong = checks.judge(cp, 0.6, a)
    assert not wrong.right and wrong.gap == pytest.approx(0.1) and wrong.tolerance == 0.02
    assert checks.read_guess(cp, None) is None and checks.read_guess(cp, 1) == 1.0


def test_choices_pairs_and_whole_numbers_are_judged_exactly():
    pair = checks.BY_ID["mnist_confused"]
    confusion = np.diag([50] * 10)
    confusion[4, 9], confusion[9, 4], confusion[3, 5] = 3, 2, 4
    a = A.confused_pair(confusion)
    assert a.value == (frozenset({4, 9}),) and a.shown == "4 ↔ 9"
    assert checks.judge(pair, frozenset({9, 4}), a).right and not checks.judge(pair, frozenset({3, 5}), a).right
    assert checks.read_guess(pair, [4]) is None and checks.read_guess(pair, [9, 4]) == frozenset({4, 9})
    confusion[3, 5] = 5  # a tie: either pair is right
    assert set(A.confused_pair(confusion).value) == {frozenset({4, 9}), frozenset({3, 5})}
    assert isinstance(A.confused_pair(np.diag([5] * 10)), Msg)
    row = checks.BY_ID["log_lowest_row"]
    assert checks.read_guess(row, 3.0) == 3
    choice = checks.BY_ID["pln_separable"]
    assert checks.judge(choice, "yes", A.Answer("yes", "", Msg(""))).right
    assert not checks.judge(choice, "no", A.Answer("yes", "", Msg(""))).right


def test_sigmoid_answers_follow_w_and_b():
    assert answer("sig_at_zero", w=3.0, b=1.0).value == pytest.approx(1 / (1 + math.exp(-1)))
    assert answer("sig_decision", w=2.0, b=-3.0).value == pytest.approx(1.5)
    assert isinstance(checks.BY_ID["sig_decision"].answer({"w": 0.0, "b": 1.0}), Msg)
    assert answer("sig_steepest", w=-2.0, b=0.0).value == pytest.approx(0.5)
    steep = checks.BY_ID["sig_steep_at_two"].check
    assert not steep({"w": 1.0, "b": 0.0}).done and steep({"w": 2.0, "b": -4.0}).done
    left = checks.BY_ID["sig_left_is_one"].check
    assert not left({"w": 1.0, "b": 1.0}).done and left({"w": -1.0, "b": -1.0}).done


def test_loss_answers_come_from_the_gradient_paths():
    xs, ys = L.as_sequence(L.DATASETS["hours"]["x"]), L.as_sequence(L.DATASETS["hours"]["y"])
    a = answer("loss_lowers_w", xs=xs, ys=ys, w0=-2.0, b0=3.0, lr=0.3)
    mse = L.gd_path(xs, ys, -2.0, 3.0, 0.3, 10, "mse").frame["W"].iloc[-1]
    assert a.value == "mse" and mse < -2.0  # MSE pushes W the wrong way from there
    worst = answer("loss_worst_term", xs=xs, ys=ys, w0=-2.0, b0=3.0)
    z = -2.0 * np.array(xs) + 3.0
    terms = np.where(np.array(ys) == 1, np.log1p(np.exp(-z)), np.log1p(np.exp(z)))
    assert worst.value == pytest.approx(terms.max())
    bce = L.gd_path(xs, ys, -2.0, 3.0, 2.0, 10, "bce").frame
    check = checks.BY_ID["loss_bce_in_ten"].check
    live = dict(data="hours", edited=False, w0=-2.0, b0=3.0, lr=2.0, bce=bce)
    assert check(live).done
    assert not check({**live, "bce": bce.iloc[:1]}).done  # no step taken yet
    assert not check({**live, "w0": 0.0}).done and not check({**live, "edited": True}).done


def test_plane_answers_train_the_points_and_read_the_scores():
    blobs = plane.points_from_table(plane.make_preset("blobs"))
    rings = plane.points_from_table(plane.make_preset("rings"))
    assert answer("pln_separable", X=blobs.X, y=blobs.y, K=3).value == "yes"
    assert answer("pln_separable", X=rings.X, y=rings.y, K=3).value == "no"
    W, b = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, 0.5])
    X, y = np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([0, 1])
    live = dict(X=X, y=y, K=2, W=W, b=b)
    assert answer("pln_point_class", **live, picked=1).value == 0
    assert answer("pln_point_class", **live, picked=2).value == 1
    xor = checks.BY_ID["pln_xor_by_hand"].check
    assert not xor({"preset": "xor", "mode": "train", "accuracy": 0.9}).done
    assert xor({"preset": "xor", "mode": "manual", "accuracy": 0.74}).done


def test_trained_answers_wait_for_a_run():
    for item_id, key in (("log_accuracy", "fit"), ("smx_all_right", "table_fit"), ("mnist_first_epoch", "mnist_fit")):
        cp = checks.BY_ID[item_id]
        assert isinstance(cp.answer({key: None}), Msg)
    history = pd.DataFrame(
        {"epoch": [0, 1], "loss": [1.0, 0.5], "train_accuracy": [0.8, 0.9], "test_accuracy": [0.85, 0.9]}
    )
    assert A.first_epoch_accuracy(history).value == pytest.approx(85.0)


def test_progress_counts_answered_checkpoints_and_reached_exercises():
    p = checks.CourseProgress()
    ids = checks.on_page("sigmoid")
    assert p.count(ids) == (0, 5)
    p.guesses["sig_at_zero"] = checks.Guess(0.5, ())
    assert p.count(ids) == (0, 5)  # a guess alone is not an answer: the reveal is
    p.answered["sig_at_zero"] = False
    p.reached.add("sig_left_is_one")
    assert p.count(ids) == (2, 5) and p.done("sig_at_zero")
    p.reset()
    assert p.count(ids) == (0, 5) and not p.guesses
    assert checks.asked_key({"w": 0.1 + 0.2, "b": 1}) == checks.asked_key({"b": 1, "w": 0.3})
