"""The Softmax page's notebooks: the small table (full-batch steps, as the classifier note trains its 8 × 4 table)
and MNIST (the dl3 note's loop: ``DataLoader`` batches, ``nn.Linear(784, 10)``, cross-entropy, SGD), each
printing the numbers the page shows and drawing the loss curve.

The page trains with a closed-form SGD step (``engine.models.softmax``), equal to the notes' autograd loop up to
float rounding: the notebooks use the notes' loop, so their last digits can differ from the page's by that much.
"""

from __future__ import annotations

import numpy as np

from engine.data import course
from engine.models.softmax import MnistSettings, TableSettings
from engine.present.codegen import float32_literal
from engine.present.notebooks.base import Notebook, loss_curve, title
from engine.text import ENGLISH, N_, Msg, Translator

OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}


def _optimizer(name: str, params: str, lr: float) -> str:
    return f"optim.{OPTIMIZERS[name]}({params}, lr={lr!r})"


def table_notebook(X, y, n_classes: int, settings: TableSettings, *, t: Translator = ENGLISH) -> Notebook:
    """The small table's run: ``nn.Linear(d, C)`` seeded as the page seeds it, ``settings.steps`` full-batch steps."""
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y).reshape(-1).astype(int)
    n, d = X.shape
    nb = Notebook(t)
    notes = course.titles("classifier")
    title(
        nb,
        Msg("Softmax regression on a small table"),
        Msg(
            "This notebook repeats the small-table run of Logit Lab's Softmax page: {n} rows × {d} features, {k} "
            "classes, {steps} full-batch steps of {optimizer} with learning rate {lr:g} from the start seeded with {seed}.",
            n=n,
            d=d,
            k=n_classes,
            steps=settings.steps,
            optimizer=OPTIMIZERS[settings.optimizer],
            lr=settings.lr,
            seed=settings.seed,
        ),
        notes,
    )
    nb.md(
        Msg(
            "**The data**, written in as {notes} writes it: `x_train` holds the features, `y_train` the class of each "
            "row (0 … {top}).",
            notes=notes,
            top=n_classes - 1,
        )
    )
    code = nb.new_code()
    code.add("import torch")
    code.add("import torch.nn as nn")
    code.add("import torch.nn.functional as F")
    code.add("import torch.optim as optim")
    code.add()
    rows = ",\n".join("    [" + ", ".join(float32_literal(v) for v in row) + "]" for row in X)
    code.add("x_train = torch.FloatTensor([\n" + rows + ",\n])")
    code.add(f"y_train = torch.LongTensor({y.tolist()!r})")
    nb.code(code)
    nb.md(
        Msg(
            "**The model**: `nn.Linear({d}, {k})` gives every class k a score zₖ = Wₖ·x + bₖ. There is no softmax layer: "
            "`F.cross_entropy` takes the scores and applies log-softmax itself, as {notes} explains. "
            "`torch.manual_seed({seed})` right before it gives the page's starting weights.",
            d=d,
            k=n_classes,
            seed=settings.seed,
            notes=notes,
        )
    )
    code = nb.new_code()
    code.add(f"torch.manual_seed({settings.seed})")
    code.add(f"model = nn.Linear({d}, {n_classes})")
    code.add(f"optimizer = {_optimizer(settings.optimizer, 'model.parameters()', settings.lr)}")
    nb.code(code)
    nb.md(
        Msg(
            "**Training**, the note's loop: the scores of every row, the cost `F.cross_entropy`, then `zero_grad()`, "
            "`backward()` and `step()`. The cost and the accuracy are those before each step (the page's curve), "
            "printed every 100 epochs as the note prints them."
        )
    )
    code = nb.new_code()
    code.add(f"num_epochs = {settings.steps - 1}  # " + nb._("epochs 0 … num_epochs: one full-batch step each"))
    code.add("losses, accuracies = [], []")
    code.add("for epoch in range(num_epochs + 1):")
    code.add("    prediction = model(x_train)")
    code.add("    cost = F.cross_entropy(prediction, y_train)")
    code.add("    optimizer.zero_grad()")
    code.add("    cost.backward()")
    code.add("    optimizer.step()")
    code.add("    acc = (torch.argmax(prediction, dim=1) == y_train).float().mean()")
    code.add("    losses.append(cost.item())")
    code.add("    accuracies.append(acc.item())")
    code.add("    if epoch % 100 == 0 or epoch == num_epochs:")
    code.add('        print(f"Epoch: {epoch}/{num_epochs}, Cost: {cost:.4f}, Accuracy: {acc * 100:.2f}%")')
    nb.code(code)
    nb.md(
        Msg(
            "**The result**, as the page shows it: the loss and accuracy at the last epoch, the learned W ({k} × {d}) "
            "and b, and each row's probabilities (softmax of its scores; each row sums to 1).",
            k=n_classes,
            d=d,
        )
    )
    code = nb.new_code()
    code.show(N_("loss at the last epoch:"), "losses[-1]")
    code.show(N_("accuracy at the last epoch:"), "accuracies[-1]")
    code.add("print('W =', model.weight.tolist())")
    code.add("print('b =', model.bias.tolist())")
    code.add("with torch.no_grad():")
    code.add("    probabilities = F.softmax(model(x_train), dim=1)")
    code.add("for i, p in enumerate(probabilities):")
    code.add(
        "    print(i + 1, [round(v, 4) for v in p.tolist()], "
        + repr(nb._("true:"))
        + ", y_train[i].item(), "
        + repr(nb._("predicted:"))
        + ", p.argmax().item())"
    )
    nb.code(code)
    loss_curve(nb, {N_("cross-entropy"): "losses"}, Msg("epoch"), Msg("loss"))
    return nb


def mnist_notebook(
    settings: MnistSettings, *, local_root: str | None = None, app_folder: str = "", t: Translator = ENGLISH
) -> Notebook:
    """An MNIST run as the dl3 note writes it. ``local_root``: the value the notebook's ``MNIST_LOCAL`` starts with
    (None: download); ``app_folder``: where this app keeps its copy, named in the text."""
    nb = Notebook(t)
    s = settings
    notes = course.titles("dl3")
    title(
        nb,
        Msg("Softmax regression on MNIST"),
        Msg(
            "This notebook repeats the MNIST run of Logit Lab's Softmax page: `nn.Linear(784, 10)`, cross-entropy, "
            "{optimizer} with learning rate {lr:g}, batches of {batch}, {epochs} epochs, seed {seed}. It prints the "
            "loss of every epoch, the test accuracy and the confusion matrix, as the page shows them.",
            optimizer=OPTIMIZERS[s.optimizer],
            lr=s.lr,
            batch=s.batch_size,
            epochs=s.epochs,
            seed=s.seed,
        ),
        notes,
        ", torchvision, pandas",
    )
    nb.md(
        Msg(
            "**Imports and seeds**, as in {notes}: `random.seed` picks the test digit at the end, "
            "`torch.manual_seed` the starting weights and the order of the batches.",
            notes=notes,
        )
    )
    code = nb.new_code()
    for line in (
        "import random",
        "",
        "import pandas as pd",
        "import torch",
        "import torch.nn as nn",
        "import torch.optim as optim",
        "import torchvision.datasets as dsets",
        "import torchvision.transforms as transforms",
        "from torch.utils.data import DataLoader",
        "",
        "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')",
        "print('device on', device)",
        "",
        f"random.seed({course.MNIST_DIGIT_SEED})",
        f"torch.manual_seed({s.seed})",
    ):
        code.add(line)
    nb.code(code)
    where = Msg(" This app keeps its copy in `{folder}`.", folder=app_folder) if app_folder else ""
    nb.md(
        Msg(
            "**The data.** `dsets.MNIST(..., download=True)` fetches the 70,000 digits (about 20 MB) into the folder "
            "`MNIST`, as the note does. Without the internet, set `MNIST_LOCAL` to a folder that holds `MNIST/raw` "
            "(the four files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, "
            "`t10k-labels-idx1-ubyte`): then nothing is downloaded."
        ),
        where,
    )
    code = nb.new_code()
    code.add(f"MNIST_LOCAL = {local_root!r}  # " + nb._("or a folder that holds MNIST/raw"))
    code.add("root = MNIST_LOCAL if MNIST_LOCAL is not None else 'MNIST'")
    code.add("download = MNIST_LOCAL is None")
    code.add("mnist_train = dsets.MNIST(root=root, train=True, transform=transforms.ToTensor(), download=download)")
    code.add("mnist_test = dsets.MNIST(root=root, train=False, transform=transforms.ToTensor(), download=download)")
    code.add(f"data_loader = DataLoader(mnist_train, batch_size={s.batch_size}, shuffle=True, drop_last=True)")
    code.add("print(len(mnist_train), len(mnist_test))")
    nb.code(code)
    nb.md(
        Msg(
            "**The model and the training loop** of the note: every 28 × 28 image becomes 784 numbers in 0 … 1 "
            "(`ToTensor`), the model scores the 10 digits, `nn.CrossEntropyLoss` applies softmax and −log itself. "
            "Each epoch walks the shuffled batches (the last incomplete batch is dropped) and `avg_cost` is the mean "
            "of their costs. After each epoch the test images are scored too, for the page's test-accuracy curve."
        )
    )
    code = nb.new_code()
    code.add("linear = nn.Linear(784, 10, bias=True).to(device)")
    code.add("loss_func = nn.CrossEntropyLoss().to(device)")
    code.add(f"optimizer = {_optimizer(s.optimizer, 'linear.parameters()', s.lr)}")
    code.add()
    code.add("# " + nb._("the notes divide the training images by 255 (ToTensor) but not the test ones: here both are"))
    code.add("X_test = (mnist_test.data.view(-1, 28 * 28).float() / 255).to(device)")
    code.add("Y_test = mnist_test.targets.to(device)")
    code.add("losses, test_accuracies = [], []")
    code.add(f"for epoch in range({s.epochs}):")
    code.add("    avg_cost = 0")
    code.add("    total_batch = len(data_loader)")
    code.add("    for X, Y in data_loader:")
    code.add("        X = X.view(-1, 28 * 28).to(device)")
    code.add("        Y = Y.to(device)")
    code.add("        optimizer.zero_grad()")
    code.add("        pred = linear(X)")
    code.add("        loss = loss_func(pred, Y)")
    code.add("        loss.backward()")
    code.add("        optimizer.step()")
    code.add("        avg_cost += loss / total_batch")
    code.add("    with torch.no_grad():")
    code.add("        test_accuracy = (torch.argmax(linear(X_test), 1) == Y_test).float().mean().item()")
    code.add("    losses.append(avg_cost.item())")
    code.add("    test_accuracies.append(test_accuracy)")
    code.add(
        "    print('Epoch:', '%04d' % (epoch + 1), 'cost =', '{:.9f}'.format(avg_cost.item()), "
        + repr(nb._("test accuracy"))
        + ", test_accuracy)"
    )
    nb.code(code)
    nb.md(
        Msg(
            "**The result**: the test accuracy and the confusion matrix (rows: the true digit, columns: the model's "
            "answer; the diagonal is right), as the page shows them."
        )
    )
    code = nb.new_code()
    code.add("with torch.no_grad():")
    code.add("    predicted = torch.argmax(linear(X_test), 1)")
    code.add("accuracy = (predicted == Y_test).float().mean().item()")
    code.show(N_("test accuracy:"), "accuracy")
    code.add("confusion = torch.bincount(Y_test * 10 + predicted, minlength=100).reshape(10, 10).cpu()")
    true, predicted = nb._(N_("true digit")), nb._(N_("predicted as"))
    code.add(f"pd.DataFrame(confusion.numpy()).rename_axis(index={true!r}, columns={predicted!r})")
    nb.code(code)
    nb.md(
        Msg(
            "**One random test digit**, as the note picks it (`random.randint` after `random.seed({seed})`): its label "
            "and the model's answer, drawn with matplotlib where it is installed, else in characters.",
            seed=course.MNIST_DIGIT_SEED,
        )
    )
    code = nb.new_code()
    code.add("r = random.randint(0, len(mnist_test) - 1)")
    code.add("print('Label: ', Y_test[r].item())")
    code.add("print('Prediction: ', predicted[r].item())")
    code.add("image = mnist_test.data[r]")
    code.add("try:")
    code.add("    import matplotlib.pyplot as plt")
    code.add()
    code.add("    plt.imshow(image, cmap='Greys', interpolation='nearest')")
    code.add("    plt.show()")
    code.add("except ImportError:")
    code.add("    for row in image[::2]:")
    code.add("        print(''.join(' .:-=+*#%@'[min(9, int(v) // 26)] * 2 for v in row[::2]))")
    nb.code(code)
    loss_curve(
        nb,
        {N_("loss"): "losses", N_("test accuracy"): "test_accuracies"},
        Msg("epoch"),
        Msg("value"),
        note=Msg("**The curves.** The mean loss of every epoch and the test accuracy after it."),
    )
    return nb
