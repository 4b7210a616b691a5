"""The loss comparison page's notebook: MSE after the sigmoid and binary cross-entropy, both descending from the
same start on the same one-feature table, step by step in float64 (``engine.models.losses.gd_path``), with the
table of each path's last steps and the two loss curves."""

from __future__ import annotations

from engine.data import course
from engine.present.notebooks.base import Notebook, loss_curve, title
from engine.text import ENGLISH, N_, Msg, Translator

SHOWN_ROWS = 5  # last rows of each path printed


def losses_notebook(
    xs,
    ys,
    w0: float,
    b0: float,
    lr: float,
    steps: int,
    *,
    plateau: bool = False,
    shown: dict | None = None,
    t: Translator = ENGLISH,
) -> Notebook:
    """``steps`` gradient steps of each loss from (``w0``, ``b0``) with ``lr`` on the table (``xs``, ``ys``): the
    page's two paths (a path that diverges stops at its last finite point, as on the page). ``plateau``: the start
    is the page's plateau demo; ``shown``: {"mse": (W, b, loss), "bce": ...} of the page's last rows."""
    nb = Notebook(t)
    title(
        nb,
        Msg("Loss comparison: MSE and binary cross-entropy, step by step"),
        Msg(
            "This notebook repeats the run of Logit Lab's loss comparison page: one model ŷ = σ(Wx + b) on {n} rows, "
            "two losses, and {steps} steps of gradient descent on each from the same start (W = {w:g}, b = {b:g}) "
            "with learning rate {lr:g}.",
            n=len(xs),
            steps=steps,
            w=w0,
            b=b0,
            lr=lr,
        ),
        course.titles("lec6", "likelion", "tutorial6"),
    )
    code = nb.new_code()
    code.add("import torch")
    code.add("import torch.nn.functional as F")
    code.add()
    code.add(f"x = torch.tensor({[float(v) for v in xs]!r}, dtype=torch.float64)")
    code.add(f"y = torch.tensor({[float(v) for v in ys]!r}, dtype=torch.float64)")
    nb.md(
        Msg(
            "**The data**: one feature x and the label y (1 = pass, 0 = fail), as the page holds them (the exam "
            "scores of {notes1}, or the study hours of {notes2}). Everything here is float64, as on the page.",
            notes1=course.titles("likelion"),
            notes2=course.titles("tutorial6"),
        )
    )
    nb.code(code)
    nb.md(
        Msg(
            "**Two losses for one model.** Both score ŷ = σ(Wx + b). MSE after the sigmoid is the mean of (ŷ − y)²; "
            "binary cross-entropy (BCE) is the mean of −[y·log ŷ + (1 − y)·log(1 − ŷ)], the cost of {notes}, here "
            "computed from z = Wx + b with `F.binary_cross_entropy_with_logits` (the same value, without rounding ŷ "
            "to 0 or 1).",
            notes=course.titles("lec6"),
        )
    )
    code = nb.new_code()
    code.add("def mse(W, b):")
    code.add("    return ((torch.sigmoid(W * x + b) - y) ** 2).mean()")
    code.add()
    code.add()
    code.add("def bce(W, b):")
    code.add("    return F.binary_cross_entropy_with_logits(W * x + b, y)")
    nb.code(code)
    _descent(nb, w0, b0, lr, steps, plateau)
    _result(nb, shown)
    loss_curve(
        nb,
        {N_("MSE after sigmoid"): "mse_losses", N_("Binary cross-entropy"): "bce_losses"},
        Msg("step"),
        Msg("loss"),
        note=Msg("**The loss curves.** Each path's loss at every step: BCE falls where MSE hardly moves."),
    )
    return nb


def _descent(nb: Notebook, w0: float, b0: float, lr: float, steps: int, plateau: bool) -> None:
    nb.md(
        Msg(
            "**Gradient descent, step by step.** From (W, b) each step computes the loss and its gradient with "
            "autograd and moves against it: W ← W − lr · dL/dW, b ← b − lr · dL/db. `path` keeps every point as the "
            "page's tables do: step, W, b, loss, dL/dW, dL/db. A step that gives NaN or infinity ends the path there."
        ),
        Msg(
            "This start is the page's *plateau demo*: MSE sits on a flat stretch where its gradient is almost 0, while "
            "BCE's gradient still points the way down."
        )
        if plateau
        else "",
    )
    code = nb.new_code()
    code.add("def descend(loss_fn, w, b, lr, steps):")
    code.add("    path = []")
    code.add("    for step in range(steps + 1):")
    code.add("        W = torch.tensor(w, dtype=torch.float64, requires_grad=True)")
    code.add("        B = torch.tensor(b, dtype=torch.float64, requires_grad=True)")
    code.add("        loss = loss_fn(W, B)")
    code.add("        dW, dB = torch.autograd.grad(loss, (W, B))")
    code.add("        row = (step, w, b, loss.item(), dW.item(), dB.item())")
    code.add("        if not all(torch.isfinite(torch.tensor(row[1:], dtype=torch.float64))):")
    code.add("            print(" + repr(nb._("diverged after step")) + ", step - 1)")
    code.add("            break")
    code.add("        path.append(row)")
    code.add("        w, b = w - lr * dW.item(), b - lr * dB.item()")
    code.add("    return path")
    code.add()
    code.add()
    code.add(f"w0, b0, lr, steps = {float(w0)!r}, {float(b0)!r}, {float(lr)!r}, {int(steps)}")
    code.add("mse_path = descend(mse, w0, b0, lr, steps)")
    code.add("bce_path = descend(bce, w0, b0, lr, steps)")
    code.add("mse_losses = [row[3] for row in mse_path]")
    code.add("bce_losses = [row[3] for row in bce_path]")
    nb.code(code)


def _result(nb: Notebook, shown: dict | None) -> None:
    parts = [Msg("**Where each path ended**: its last {n} steps, as in the page's step tables.", n=SHOWN_ROWS)]
    if shown:
        parts.append(
            Msg(
                "The page showed MSE at W = {mw:.4f}, b = {mb:.4f} (loss {ml:.4f}) and BCE at W = {bw:.4f}, "
                "b = {bb:.4f} (loss {bl:.4f}).",
                mw=shown["mse"][0],
                mb=shown["mse"][1],
                ml=shown["mse"][2],
                bw=shown["bce"][0],
                bb=shown["bce"][1],
                bl=shown["bce"][2],
            )
        )
    nb.md(*parts)
    code = nb.new_code()
    mse, bce = nb._(N_("MSE after sigmoid")), nb._(N_("Binary cross-entropy"))
    code.add(f"for name, path in (({mse!r}, mse_path), ({bce!r}, bce_path)):")
    code.add("    print(name)")
    code.add("    print(f\"{'step':>6} {'W':>12} {'b':>12} {'loss':>10} {'dL/dW':>12} {'dL/db':>12}\")")
    code.add(f"    for step, w, b, loss, dw, db in path[-{SHOWN_ROWS}:]:")
    code.add('        print(f"{step:6d} {w:12.6f} {b:12.6f} {loss:10.6f} {dw:12.4e} {db:12.4e}")')
    code.add("    step, w, b, loss, dw, db = path[-1]")
    code.add("    print('W =', w)")
    code.add("    print('b =', b)")
    code.add("    print('loss =', loss)")
    code.add("    print()")
    nb.code(code)
