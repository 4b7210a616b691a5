"""The model's own answers to the course's checkpoints and the checks of its exercises.

Pure: no Streamlit. Every function takes what a page has *now* (its W and b, the trained fit, the
points on the plane) and asks the engine, so an answer follows the page's settings: change W and the
decision point's answer changes with it. A checkpoint's function returns an :class:`Answer` (the
value a guess is judged against, how to show it, the tolerance for a number, and the sentence that
explains it) or a :class:`~engine.text.Msg` saying why there is no answer yet ("press Train").
An exercise's check returns a :class:`Status`: done or not, and what to look at.

``engine.present.course_checks`` names them in the course's registry.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.data import course
from engine.models import losses as L
from engine.models import plane
from engine.models import sigmoid as sg
from engine.text import Msg

OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "lbfgs": "L-BFGS"}


@dataclass(frozen=True)
class Answer:
    value: Any  # a number, a choice's key, or (pairs) a tuple of the acceptable frozensets
    shown: str | Msg  # how the reveal shows it
    why: Msg  # one or two sentences: where the number comes from
    tolerance: float = 0.0  # numbers: a guess this close counts as right


@dataclass(frozen=True)
class Status:
    done: bool
    note: Msg  # done: what was reached; not done: what to look at


# --- Sigmoid ------------------------------------------------------------------------------------


def sigmoid_at_zero(w: float, b: float) -> Answer:
    p = sg.probe(0.0, w, b).p
    why = Msg(
        "At x = 0 the line gives z = W·0 + b = b = {b:g}, so ŷ = σ({b:g}) = {p:.3f}: W plays no part there. σ(0) is "
        "exactly 0.5; a positive b lifts ŷ above 0.5 and a negative b pulls it below.",
        b=b,
        p=p,
    )
    return Answer(p, f"{p:.3f}", why, tolerance=0.02)


def decision_point(w: float, b: float) -> Answer | Msg:
    x = sg.decision_point(w, b)
    if x is None:
        return Msg("With W = 0 the curve is flat at σ(b): there is no decision point. Give W a non-zero value.")
    why = Msg(
        "The decision point is where z = Wx + b = 0, so σ = 0.5: x* = −b/W = {nb:g} / {w:g} = {x:.3f}.",
        nb=-b + 0.0,
        w=w,
        x=x,
    )
    return Answer(x, f"{x:.3f}", why, tolerance=0.1)


def steepest_slope(w: float) -> Answer:
    s = abs(w) / 4
    why = Msg(
        "dŷ/dx = W·σ′(z), and σ′(z) = σ(z)(1 − σ(z)) is largest, 0.25, where z = 0 (at the decision point). So the "
        "steepest slope is |W| × 0.25 = {s:.3f}: twice the W, twice as steep; b only moves the S sideways.",
        s=s,
    )
    return Answer(s, f"{s:.3f}", why, tolerance=max(0.01, 0.1 * s))


def twice_as_steep_at_two(w: float, b: float) -> Status:
    x = sg.decision_point(w, b)
    done = abs(w - 2.0) < 0.05 and x is not None and abs(x - 2.0) < 0.05
    if done:
        return Status(True, Msg("W = {w:g}, b = {b:g}: x* = 2 and twice the slope of σ(x).", w=w, b=b))
    if x is None:
        return Status(False, Msg("W = 0 makes the curve flat. Steepness comes from W alone; start there."))
    return Status(
        False,
        Msg(
            "Now x* = {x:.2f} and the curve is {r:.2g} times as steep as σ(x). Steepness comes from W alone (|W|/4 at "
            "its steepest); then b = −W·x* puts the decision point in place.",
            x=x,
            r=abs(w),
        ),
    )


def class_one_on_the_left(w: float, b: float) -> Status:
    x = sg.decision_point(w, b)
    if w < 0 and x is not None and abs(x + 1.0) < 0.05:
        return Status(True, Msg("W = {w:g} < 0 and x* = −b/W = {x:.2f}: class 1 is on the left.", w=w, x=x))
    if w >= 0:
        return Status(False, Msg("With W ≥ 0 the curve rises, so class 1 is on the right. What does a negative W do?"))
    return Status(False, Msg("The S is flipped; now move the decision point: x* = {x:.2f}, not −1.", x=x))


# --- Losses -------------------------------------------------------------------------------------

LOSS_CHOICES = {"mse": Msg("MSE"), "bce": Msg("BCE"), "neither": Msg("Neither: W does not go down")}


def lowers_w_more(xs, ys, w0: float, b0: float, lr: float, steps: int = 10) -> Answer | Msg:
    if not (math.isfinite(lr) and lr > 0):
        return Msg("With a learning rate of 0 no step moves. Type a positive learning rate.")
    end = {k: float(L.gd_path(xs, ys, w0, b0, lr, steps, k).frame["W"].iloc[-1]) for k in L.LOSSES}
    move = {k: end[k] - w0 for k in L.LOSSES}
    key = min(L.LOSSES, key=move.get) if min(move.values()) < -1e-9 else "neither"
    why = Msg(
        "After {n} steps MSE's W went from {w:g} to {mse:.3f} ({dmse:+.3f}) and BCE's to {bce:.3f} ({dbce:+.3f}). MSE "
        "after the sigmoid inherits its flat stretches, so its gradient can be tiny or point away from the labels; "
        "BCE's −log undoes the flattening.",
        n=steps,
        w=w0,
        mse=end["mse"],
        bce=end["bce"],
        dmse=move["mse"],
        dbce=move["bce"],
    )
    return Answer(key, LOSS_CHOICES[key], why)


def _most_wrong(xs, ys, w0: float, b0: float) -> tuple[float, int, float, float]:
    """The row with the largest BCE term at (w0, b0): x, y, z = w0·x + b0 and its term −log ŷ or −log(1 − ŷ)."""
    z = w0 * np.asarray(xs, dtype=np.float64) + b0
    y = np.asarray(ys, dtype=np.int64)
    terms = np.where(y == 1, np.logaddexp(0.0, -z), np.logaddexp(0.0, z))  # stable for any z
    i = int(np.argmax(terms))
    return float(xs[i]), int(y[i]), float(z[i]), float(terms[i])


def most_wrong_row(xs, ys, w0: float, b0: float) -> dict:
    """The question's numbers: the row the model gets most wrong at the start, and its ŷ."""
    x, y, _z, _term = _most_wrong(xs, ys, w0, b0)
    return {"x": x, "y": y, "p": sg.probe(x, w0, b0).p, "w": w0, "b": b0}


def most_wrong_term(xs, ys, w0: float, b0: float) -> Answer:
    x, y, _z, term = _most_wrong(xs, ys, w0, b0)
    p = sg.probe(x, w0, b0).p
    square = (p - y) ** 2
    if y == 1:
        why = Msg(
            "Its label is y = 1, so its term is −log ŷ = −log {p:.4g} = {term:.3f}. It is 0 when ŷ = 1 and grows "
            "without end as ŷ → 0, while the same row's MSE term (ŷ − y)² = {sq:.3f} can never pass 1.",
            p=p,
            term=term,
            sq=square,
        )
    else:
        why = Msg(
            "Its label is y = 0, so its term is −log(1 − ŷ) = −log {q:.4g} = {term:.3f}. It is 0 when ŷ = 0 and grows "
            "without end as ŷ → 1, while the same row's MSE term (ŷ − y)² = {sq:.3f} can never pass 1.",
            q=1.0 - p,
            term=term,
            sq=square,
        )
    return Answer(term, f"{term:.3f}", why, tolerance=max(0.05, 0.1 * term))


def bce_below_within(data, edited, w0, b0, lr, bce, target=0.65, start=(-2.0, 3.0), steps=10) -> Status:
    """The exercise: on the study-hours table from (−2, 3), BCE below ``target`` at some step ≤ ``steps``."""
    if data != "hours" or edited or (w0, b0) != start:
        return Status(
            False,
            Msg(
                "First choose the study-hours table (unedited) and the start W = {sw:g}, b = {sb:g}; the start now is "
                "W = {w:g}, b = {b:g}.",
                sw=start[0],
                sb=start[1],
                w=w0,
                b=b0,
            ),
        )
    taken = bce[(bce["step"] >= 1) & (bce["step"] <= steps)]
    best = float(taken["loss"].min()) if len(taken) else math.inf
    if best < target:
        return Status(True, Msg("BCE reached {loss:.3f} with lr {lr:g}.", loss=best, lr=lr))
    lowest = f"{best:.3f}" if math.isfinite(best) else "—"
    return Status(
        False,
        Msg(
            "With lr {lr:g} the lowest BCE in the first {n} steps is {loss}. A small learning rate (학습률) crawls; "
            "a large one overshoots and climbs back. Change lr and step again.",
            lr=lr,
            n=steps,
            loss=lowest,
        ),
    )


# --- Logistic regression ------------------------------------------------------------------------


def training_accuracy(fit, n_train: int) -> Answer:
    acc = 100.0 * float(fit.final_accuracy)
    why = Msg(
        "The trained model puts {right} of {n} training rows on the right side of ŷ = 0.5: {acc:.1f} %. Its binary "
        "cross-entropy went from {start:.4f} to {end:.4f}.",
        right=round(acc * n_train / 100),
        n=n_train,
        acc=acc,
        start=float(fit.history["loss"].iloc[0]),
        end=float(fit.final_loss),
    )
    return Answer(acc, f"{acc:.1f} %", why, tolerance=max(5.0, 50.0 / max(n_train, 1)))


def lowest_row(fit, X) -> Answer:
    p = fit.predict_proba(X)
    i = int(np.argmin(p))
    z = float(np.asarray(X, dtype=np.float64)[i] @ np.asarray(fit.weight) + fit.bias)
    why = Msg(
        "Row {row} gets ŷ = {p:.4g}, the lowest: its z = W·x + b = {z:.2f} is the most negative, the farthest on "
        "the class-0 side of the boundary.",
        row=i + 1,
        p=float(p[i]),
        z=z,
    )
    return Answer(i + 1, str(i + 1), why)


def _is_exam_table(X, y) -> bool:
    scores = np.array([s for s, _ in course.EXAM_SCORES], dtype=np.float64)
    passed = np.array([r == "합격" for _, r in course.EXAM_SCORES], dtype=np.float64)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return X.shape == (len(scores), 1) and np.allclose(X[:, 0], scores) and np.array_equal(y, passed)


def exam_with_sgd(fit, X, y) -> Status:
    if fit is None or not _is_exam_table(X, y):
        return Status(False, Msg("Pick the preset “Exam score 45–70”, choose SGD and press **Train**."))
    name = OPTIMIZER_NAMES.get(fit.settings.optimizer, fit.settings.optimizer)
    acc = 100.0 * float(fit.final_accuracy)
    if fit.settings.optimizer == "sgd" and acc == 100.0:
        return Status(True, Msg("SGD reached 100 % on the exam scores."))
    return Status(
        False,
        Msg(
            "The last run: {optimizer}, {acc:.1f} %. The scores sit around 45–70, so W's gradient is about 60 times "
            "b's: plain SGD must take tiny steps to stay stable and then hardly moves b. Look at **Standardize "
            "features**.",
            optimizer=name,
            acc=acc,
        ),
    )


# --- Softmax ------------------------------------------------------------------------------------

YES_NO = {"yes": Msg("Yes, every one"), "no": Msg("No, some stay wrong")}


def table_all_right(fit, X, y) -> Answer:
    right, n = int((fit.predict(X) == np.asarray(y)).sum()), len(y)
    key = "yes" if right == n else "no"
    why = Msg(
        "The trained model gets {right} of {n} rows right; its cross-entropy ended at {loss:.4f} after {steps:,} "
        "steps.",
        right=right,
        n=n,
        loss=fit.final_loss,
        steps=len(fit.history),
    )
    return Answer(key, YES_NO[key], why)


def table_within(fit, X, y, steps: int, limit: int = 100) -> Status:
    if fit is None:
        return Status(False, Msg("Choose the settings and press **Train**."))
    right, n = int((fit.predict(X) == np.asarray(y)).sum()), len(y)
    if right == n and steps <= limit:
        return Status(True, Msg("Every row right after {steps} steps.", steps=steps))
    return Status(
        False,
        Msg(
            "The last run: {steps:,} steps, {right} of {n} rows right. Try Adam (it scales each weight's step) or a "
            "larger learning rate (학습률), with at most {limit} steps.",
            steps=steps,
            right=right,
            n=n,
            limit=limit,
        ),
    )


def confused_pair(confusion) -> Answer | Msg:
    c = np.asarray(confusion, dtype=np.int64).copy()
    np.fill_diagonal(c, 0)
    both = np.triu(c + c.T, 1)
    top = int(both.max()) if both.size else 0
    if top == 0:
        return Msg("This model confused no two digits on the test set.")
    pairs = [frozenset((int(i), int(j))) for i, j in zip(*np.nonzero(both == top), strict=True)]
    a, b = sorted(pairs[0])
    why = Msg(
        "{a} and {b}: {ab} test images of a {a} were read as {b} and {ba} of a {b} as {a}, {n} mix-ups out of {total:,} "
        "test digits. The confusion matrix (혼동 행렬) below shows every cell.",
        a=a,
        b=b,
        ab=int(c[a, b]),
        ba=int(c[b, a]),
        n=top,
        total=int(np.asarray(confusion).sum()),
    )
    shown = " · ".join(f"{sorted(p)[0]} ↔ {sorted(p)[1]}" for p in pairs)
    return Answer(tuple(pairs), shown, why)


def first_epoch_accuracy(history) -> Answer:
    acc = 100.0 * float(history["test_accuracy"].iloc[0])
    last = 100.0 * float(history["test_accuracy"].iloc[-1])
    why = Msg(
        "After its first epoch the model reads {acc:.1f} % of the test digits right; after epoch {epochs} it reads "
        "{last:.1f} %. Most of the learning happens in the first pass over the data.",
        acc=acc,
        epochs=len(history),
        last=last,
    )
    return Answer(acc, f"{acc:.1f} %", why, tolerance=3.0)


# --- Softmax on a plane -------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _best_accuracy(x_bytes: bytes, y_bytes: bytes, n_classes: int, steps: int, lr: float) -> float:
    X = np.frombuffer(x_bytes, dtype=np.float64).reshape(-1, 2)
    y = np.frombuffer(y_bytes, dtype=np.int64)
    n = len(y)
    Xa, Y = np.hstack([X, np.ones((n, 1))]), np.eye(n_classes)[y]
    P, m, v = (np.zeros((3, n_classes)) for _ in range(3))
    best = 0.0
    for t in range(1, steps + 1):  # full-batch Adam on the mean cross-entropy, the page's own model and loss
        Z = Xa @ P
        best = max(best, float((Z.argmax(axis=1) == y).mean()))
        if best == 1.0:
            break
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        G = Xa.T @ (E / E.sum(axis=1, keepdims=True) - Y) / n
        m, v = 0.9 * m + 0.1 * G, 0.999 * v + 0.001 * G * G
        P -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return best


def best_linear_accuracy(X, y, n_classes: int, steps: int = 1500, lr: float = 0.1) -> float:
    """The highest training accuracy softmax regression reaches on these points in ``steps`` Adam steps."""
    X = np.ascontiguousarray(X, dtype=np.float64).reshape(-1, 2)
    y = np.ascontiguousarray(y, dtype=np.int64)
    return _best_accuracy(X.tobytes(), y.tobytes(), int(n_classes), int(steps), float(lr))


def separable(X, y, n_classes: int) -> Answer:
    best = 100.0 * best_linear_accuracy(X, y, n_classes)
    key = "yes" if best == 100.0 else "no"
    if key == "yes":
        why = Msg(
            "Yes: trained on these points, softmax regression gets all of them right: there are straight lines that "
            "leave every point in its own class's region."
        )
    else:
        why = Msg(
            "No: trained on these points, the best softmax regression reaches is {acc:.1f} %. Each class's region "
            "is bounded by straight lines, so rings inside rings or XOR's opposite corners cannot all be in their "
            "own class's region.",
            acc=best,
        )
    return Answer(key, YES_NO[key], why)


def point_winner(W, b, x, label: int) -> Answer:
    d = plane.point_detail(W, b, x, label)
    k = d.predicted
    scores = ", ".join(f"{z:.2f}" for z in d.frame["z"])
    why = Msg(
        "Its scores are z = ({scores}): class {k} has the highest, so it wins there, with softmax probability "
        "{p:.3f}. The shading on the plane shows the same.",
        scores=scores,
        k=k,
        p=float(d.frame["p"].iloc[k]),
    )
    return Answer(k, Msg("class {k}", k=k), why)


def xor_by_hand(preset: str, mode: str, accuracy: float, target: float = 0.7) -> Status:
    if preset != "xor" or mode != "manual":
        return Status(False, Msg("Choose the XOR preset and **Manual: you move them**."))
    if accuracy >= target:
        return Status(True, Msg("{acc:.1f} % by hand on XOR.", acc=100 * accuracy))
    return Status(
        False,
        Msg(
            "Now {acc:.1f} %. One straight boundary can cut off one corner cloud: about 75 % is the most any linear "
            "model gets on XOR.",
            acc=100 * accuracy,
        ),
    )
