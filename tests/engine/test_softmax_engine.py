"""engine.models.softmax: the course notes' numbers, the fast route against autograd, batching, tables."""

from __future__ import annotations

import random
import threading  # noqa: F401

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from engine.data import course, mnist
from engine.data.samples import write_tiny_mnist
from engine.models import softmax as sm
from engine.models import softmax_epoch
from engine.present import softmax_frames as sf

TABLE_X = np.array(course.SOFTMAX_X, dtype=np.float32)
TABLE_Y = np.array(list(course.SOFTMAX_Y))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return mnist.load_mnist(write_tiny_mnist(tmp_path_factory.mktemp("tiny"), n_train=300, n_test=100))


def train_table(**kw):
    args = dict(n_classes=3, lr=0.1, epochs=1001, batch_size=8, seed=1)
    return sm.train_softmax(TABLE_X, TABLE_Y, **{**args, **kw})


# --- The course notes (seed 004) -----------------------------------------------------------------


@pytest.mark.parametrize("route", ["closed-form", "autograd"])
def test_tutorial_table_reproduces_the_notes(route):
    fit = train_table(route=route)
    h = fit.history.set_index("epoch")
    assert len(h) == 1001 and fit.route == route
    # the notes print: Epoch 0 Cost 1.6168 25.00 %, Epoch 100 0.6589 62.50 %, ..., Epoch 1000 0.2541 100.00 %
    printed = {0: (1.6168, 0.25), 100: (0.6589, 0.625), 500: (0.4335, 0.75), 900: (0.2892, 0.875), 1000: (0.2541, 1.0)}
    for epoch, (loss, accuracy) in printed.items():
        assert round(h.loc[epoch, "loss"], 4) == loss
        assert h.loc[epoch, "train_accuracy"] == accuracy
    assert h["test_accuracy"].isna().all() and fit.test_accuracy is None
    assert fit.confusion_on == "train" and fit.confusion.sum() == 8 and fit.confusion.shape == (3, 3)


def test_tutorial_table_matches_the_notes_own_loop():
    fit = train_table()
    torch.manual_seed(1)
    model = nn.Linear(4, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.tensor(TABLE_X), torch.tensor(TABLE_Y)
    for _ in range(1001):
        cost = F.cross_entropy(model(x), y)
        opt.zero_grad()
        cost.backward()
        opt.step()
    assert fit.history["loss"].iloc[-1] == pytest.approx(cost.item(), abs=1e-6)
    assert np.allclose(fit.weight, model.weight.detach().numpy(), atol=1e-5)
    assert np.allclose(fit.bias, model.bias.detach().numpy(), atol=1e-5)


# --- Fast route against autograd -----------------------------------------------------------------


@pytest.mark.parametrize(("batch_size", "drop_last"), [(32, True), (64, False), (300, True)])
def test_closed_form_equals_autograd_after_an_epoch(tiny, batch_size, drop_last):
    kw = dict(
        n_classes=10, lr=0.1, epochs=1, batch_size=batch_size, seed=777, drop_last=drop_last, X_test=tiny.test_images
    )
    kw["y_test"] = tiny.test_labels
    fast = sm.train_softmax(tiny.train_images, tiny.train_labels, route="closed-form", **kw)
    slow = sm.train_softmax(tiny.train_images, tiny.train_labels, route="autograd", **kw)
    assert np.abs(fast.weight - slow.weight).max() < 1e-5
    assert np.abs(fast.bias - slow.bias).max() < 1e-5
    assert fast.history["loss"].iloc[0] == pytest.approx(slow.history["loss"].iloc[0], abs=1e-5)
    assert np.array_equal(fast.confusion, slow.confusion)


def test_closed_form_equals_autograd_on_float_features():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 6)).astype(np.float32)
    y = rng.integers(0, 4, size=200)
    kw = dict(n_classes=4, lr=0.3, epochs=3, batch_size=16, seed=2)
    fast = sm.train_softmax(X, y, route="closed-form", **kw)
    slow = sm.train_softmax(X, y, route="autograd", **kw)
    assert np.abs(fast.weight - slow.weight).max() < 1e-5
    assert np.allclose(fast.history["loss"], slow.history["loss"], atol=1e-5)


def test_batches_are_the_tutorial_dataloaders_batches(tiny, tmp_path):
    """Seed 003's loop (DataLoader(MNIST(ToTensor()), 128, shuffle=True, drop_last=True)) gives the same model."""
    import torchvision.datasets as dsets
    import torchvision.transforms as transforms
    from torch.utils.data import DataLoader

    torch.manual_seed(777)
    train_set = dsets.MNIST(root=str(tiny.root), train=True, transform=transforms.ToTensor(), download=False)
    loader = DataLoader(train_set, batch_size=32, shuffle=True, drop_last=True)
    linear = nn.Linear(784, 10, bias=True)
    loss_func = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(linear.parameters(), lr=1e-1)
    costs = []
    for _ in range(2):
        avg_cost = 0
        for X, Y in loader:
            optimizer.zero_grad()
            loss = loss_func(linear(X.view(-1, 28 * 28)), Y)
            loss.backward()
            optimizer.step()
            avg_cost += loss / len(loader)
        costs.append(avg_cost.item())

    fit = sm.train_softmax(
        tiny.train_images, tiny.train_labels, n_classes=10, lr=0.1, epochs=2, batch_size=32, seed=777
    )
    assert np.allclose(fit.history["loss"], costs, atol=1e-5)
    assert np.abs(fit.weight - linear.weight.detach().numpy()).max() < 1e-5


def test_adam_is_torch_adam_on_the_same_batches(tiny):
    fit = sm.train_softmax(
        tiny.train_images, tiny.train_labels, n_classes=10, lr=0.01, epochs=2, batch_size=50, seed=3, optimizer="adam"
    )
    assert fit.route == "autograd" and fit.optimizer == "adam"
    model, state = sm.seeded_linear(784, 10, 3)
    order = softmax_epoch.DataLoaderOrder(state)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x = tiny.train_images.reshape(300, -1)
    for _ in range(2):
        perm = order.permutation(300)
        for i in range(300 // 50):
            idx = perm[i * 50 : (i + 1) * 50]
            loss = F.cross_entropy(model(x[idx].float() / 255), tiny.train_labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert np.abs(fit.weight - model.weight.detach().numpy()).max() < 1e-6


def test_adam_cannot_take_the_closed_form_route():
    with pytest.raises(ValueError, match="Adam trains with autograd"):
        train_table(optimizer="adam", route="closed-form")


# --- Contract details ----------------------------------------------------------------------------


def test_same_inputs_same_numbers(tiny):
    kw = dict(n_classes=10, lr=0.1, epochs=2, batch_size=32, seed=11, X_test=tiny.test_images, y_test=tiny.test_labels)
    a = sm.train_softmax(tiny.train_images, tiny.train_labels, **kw)
    b = sm.train_softmax(tiny.train_images, tiny.train_labels, **kw)
    pd.testing.assert_frame_equal(a.history, b.history)
    assert np.array_equal(a.weight, b.weight) and np.array_equal(a.confusion, b.confusion)
    c = sm.train_softmax(tiny.train_images, tiny.train_labels, **{**kw, "seed": 12})
    assert not np.array_equal(a.weight, c.weight)


@pytest.mark.parametrize(("d", "classes", "seed"), [(4, 3, 1), (784, 10, 777), (2, 2, 0)])
def test_seeded_linear_is_manual_seed_then_nn_linear(d, classes, seed):
    global_before = torch.get_rng_state()
    layer, state = sm.seeded_linear(d, classes, seed)
    assert torch.equal(torch.get_rng_state(), global_before)  # the global generator was not touched
    torch.manual_seed(seed)
    reference = nn.Linear(d, classes)
    assert torch.equal(layer.weight, reference.weight) and torch.equal(layer.bias, reference.bias)
    assert torch.equal(state, torch.get_rng_state())


def test_seeded_runs_do_not_disturb_each_other_across_threads(tiny):
    kw = dict(n_classes=10, lr=0.1, epochs=2, batch_size=16, X_test=tiny.test_images, y_test=tiny.test_labels)
    alone = {s: sm.train_softmax(tiny.train_images, tiny.train_labels, seed=s, **kw).weight for s in (1, 2, 3, 4)}
    together: dict[int, np.ndarray] = {}

    def run(s):
        for _ in range(3):
            torch.manual_seed(12345)  # another session reseeding the global generator meanwhile
            together[s] = sm.train_softmax(tiny.train_images, tiny.train_labels, seed=s, **kw).weight

    threads = [threading.Thread(target=run, args=(s,)) for s in alone]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s, w in alone.items():
        assert np.array_equal(w, together[s])


def test_history_callback_and_model_on_cpu(tiny):
    seen = []
    fit = sm.train_softmax(
        tiny.train_images,
        tiny.train_labels,
        n_classes=10,
        lr=0.1,
        epochs=3,
        batch_size=64,
        seed=0,
        device="cpu",
        X_test=tiny.test_images,
        y_test=tiny.test_labels,
        on_epoch=lambda k, m: seen.append((k, m)),
    )
    assert [k for k, _ in seen] == [0, 1, 2]
    assert set(seen[0][1]) == {"loss", "train_accuracy", "test_accuracy", "seconds"}
    assert list(fit.history.columns) == ["epoch", "loss", "train_accuracy", "test_accuracy"]
    assert fit.history["test_accuracy"].iloc[-1] == pytest.approx(fit.test_accuracy)
    assert [m["loss"] for _, m in seen] == pytest.approx(list(fit.history["loss"]))
    assert fit.model.weight.device.type == "cpu" and fit.device == "cpu"
    probs = fit.predict_proba(tiny.test_images[:5])
    assert probs.shape == (5, 10) and np.allclose(probs.sum(axis=1), 1, atol=1e-6)
    assert np.array_equal(fit.predict(tiny.test_images), fit.predictions)


def test_default_device_is_pick_device(tiny):
    from engine.runtime.device import pick_device

    fit = sm.train_softmax(tiny.train_images, tiny.train_labels, n_classes=10, lr=0.1, epochs=1, batch_size=64)
    assert fit.device == str(pick_device())


def test_full_batch_means_one_step_per_epoch_in_order():
    fit = sm.train_softmax(TABLE_X, TABLE_Y, n_classes=3, lr=0.1, epochs=5, batch_size=1000, seed=1)
    torch.manual_seed(1)
    model = nn.Linear(4, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(5):
        opt.zero_grad()
        F.cross_entropy(model(torch.tensor(TABLE_X)), torch.tensor(TABLE_Y)).backward()
        opt.step()
    assert np.allclose(fit.weight, model.weight.detach().numpy(), atol=1e-6)


def test_divergence_is_flagged_and_stops_early():
    huge = TABLE_X * 1e30  # the scores overflow float32 after one step
    fit = sm.train_softmax(
        huge, TABLE_Y, n_classes=3, lr=1.0, epochs=500, batch_size=8, seed=1, on_epoch=lambda k, m: None
    )
    assert fit.diverged and len(fit.history) < 500
    silent = sm.train_softmax(huge, TABLE_Y, n_classes=3, lr=1.0, epochs=50, batch_size=8, seed=1)
    assert silent.diverged and len(silent.history) == 50
    assert not train_table().diverged


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (dict(n_classes=2), "class numbers 0..1"),
        (dict(lr=0.0), "lr must be a positive"),
        (dict(lr=float("nan")), "lr must be a positive"),
        (dict(epochs=0), "at least 1"),
        (dict(optimizer="rmsprop"), "optimizer must be one of"),
        (dict(n_classes=1), "n_classes"),
    ],
)
def test_bad_arguments_raise_value_error(kw, message):
    with pytest.raises(ValueError, match=message):
        train_table(**kw)


# --- The small table -----------------------------------------------------------------------------


def test_table_xy_accepts_the_tutorial_table():
    X, y, n_classes, notes = sm.table_xy(course.softmax_table())
    assert X.dtype == np.float32 and X.shape == (8, 4) and np.array_equal(X, TABLE_X)
    assert y.tolist() == list(course.SOFTMAX_Y) and n_classes == 3 and notes == []


def test_table_xy_skips_empty_rows_and_notes_missing_classes():
    df = course.softmax_table()
    df.loc[len(df)] = [None, None, None, None, None]
    df.loc[df["y"] == 1, "y"] = 3
    X, y, n_classes, notes = sm.table_xy(df)
    assert len(y) == 8 and n_classes == 4
    notes = [str(n) for n in notes]
    assert notes == ["1 empty row skipped.", "Class 1 has no rows; the model still gets a score for it."]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda df: df.iloc[0:0], "0 usable rows; it needs at least 2"),
        (lambda df: df.iloc[:1], "1 usable row; it needs at least 2"),
        (lambda df: df.assign(y=1), "needs at least two classes"),
        (
            lambda df: df.astype({"x2": object}).assign(x2=["a"] + [1.0] * 7),
            r"Row 1, column 'x2' holds 'a', which is not a number",
        ),
        (lambda df: df.assign(x3=[1.0, 2.0, np.nan, 1, 1, 1, 1, 1]), "Row 3, column 'x3' is empty"),
        (lambda df: df.assign(x4=[1.0, np.inf, 1, 1, 1, 1, 1, 1]), "Row 2, column 'x4' holds an infinite value"),
        (lambda df: df.assign(y=[0, 1, 2, 1.5, 0, 0, 0, 0]), r"Row 4, column 'y' holds 1.5, which is not a class"),
        (lambda df: df.assign(y=[0, 1, 2, 12, 0, 0, 0, 0]), "whole numbers from 0 to 9"),
        (lambda df: df.drop(columns=["x4"]), "the column\\(s\\) 'x4' are missing"),
    ],
)
def test_table_xy_explains_bad_tables(edit, message):
    with pytest.raises(sm.TableError, match=message):
        sm.table_xy(edit(course.softmax_table()))


def test_probability_and_weight_tables():
    fit = train_table()
    probs = sf.probability_table(fit, TABLE_X, TABLE_Y)
    assert list(probs.columns[:2]) == ["row", "true"] and probs["correct"].all()
    assert np.allclose(probs[[f"P({k})" for k in range(3)]].sum(axis=1), 1, atol=1e-6)
    weights = sf.weight_table(fit)
    assert weights.shape == (3, 5) and list(weights.index) == [0, 1, 2]
    assert weights.loc[2, "b"] == pytest.approx(fit.bias[2])


def test_loss_rises_sees_the_zigzag_at_lr_point_one():
    assert sf.loss_rises(train_table().history) > 0.4  # the notes' lr oscillates from step to step
    assert sf.loss_rises(train_table(lr=0.05).history) == 0.0


# --- Reading the confusion matrix ----------------------------------------------------------------


def test_confusion_helpers():
    confusion = np.array([[5, 1, 0], [3, 4, 0], [0, 0, 0]])
    acc = sf.per_class_accuracy(confusion)
    assert acc["accuracy"].iloc[0] == pytest.approx(5 / 6) and np.isnan(acc["accuracy"].iloc[2])
    pairs = sf.confused_pairs(confusion)
    assert pairs[["true", "predicted", "count"]].values.tolist() == [[1, 0, 3], [0, 1, 1]]
    labels = np.array([0, 1, 1, 0])
    preds = np.array([1, 0, 1, 1])
    assert sf.cell_indices(labels, preds, 0, 1).tolist() == [0, 3]


def test_random_digit_is_the_notes_pick():
    rng = random.Random(777)
    assert course.tutorial_digit_index(10000) == rng.randint(0, 9999)
    assert course.tutorial_digit_index(10000, draw=2) == [rng.randint(0, 9999) for _ in range(2)][-1]
