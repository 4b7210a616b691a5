"""MNIST softmax regression: the tutorial's DataLoader epoch against train_softmax (prints figures; asserts nothing).

    .venv/bin/python bench/mnist_epoch.py [--repeats 3] [--no-rss]

Needs the real MNIST (``python -m engine.data.mnist`` fetches it into ``data/`` or ``$LOGIT_LAB_DATA_DIR``).

1. Epoch ratio, one process, interleaved: an epoch of seed 003's loop
   (``DataLoader(MNIST(transform=ToTensor()), batch_size=128, shuffle=True, drop_last=True)``,
   ``nn.Linear(784, 10)``, ``CrossEntropyLoss``, SGD lr 0.1) against an epoch of
   ``train_softmax`` with the same settings. Medians over ``--repeats`` runs. The tutorial loop
   runs as written (PyTorch's default thread count) and once more with one intra-op thread, so
   the ratio is not just a threading effect. ``train_softmax``'s epoch is timed two ways: the
   epoch loop alone (``fit.epoch_seconds``) and the whole call (model set-up, final evaluation).
   Variants for the record: images preloaded as float32 instead of uint8, autograd + SGD on the
   same preloaded tensors, and the closed form with the default thread count.
2. The page's default run: 15 epochs, batch 128, lr 0.1, seed 777, with the test set: total
   time and test accuracy.
3. Peak resident memory (VmHWM) of the app with MNIST loaded: ``streamlit run`` is started on a
   free port, headless Chromium opens the Softmax page's MNIST tab (which loads MNIST through
   ``ui.cache.mnist_data``) and trains the defaults; the server's /proc status is read
   before and after. Without Chromium/Playwright, a plain process that loads MNIST and trains
   through the same engine calls is measured instead (and says so).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torchvision.datasets as dsets  # noqa: E402
import torchvision.transforms as transforms  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from engine.data import mnist  # noqa: E402
from engine.models import softmax as sm  # noqa: E402
from engine.runtime.threads import intraop_threads  # noqa: E402

SETTINGS = dict(n_classes=10, lr=0.1, batch_size=128, seed=777)


def tutorial_epoch(root: Path) -> float:
    """One epoch of seed 003's training loop, as written. Returns seconds."""
    torch.manual_seed(777)
    mnist_train = dsets.MNIST(root=str(root), train=True, transform=transforms.ToTensor(), download=False)
    data_loader = DataLoader(mnist_train, batch_size=128, shuffle=True, drop_last=True)
    linear = nn.Linear(784, 10, bias=True)
    loss_func = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(linear.parameters(), lr=1e-1)
    start = time.perf_counter()
    avg_cost = 0
    total_batch = len(data_loader)
    for X, Y in data_loader:
        X = X.view(-1, 28 * 28)
        optimizer.zero_grad()
        loss = loss_func(linear(X), Y)
        loss.backward()
        optimizer.step()
        avg_cost += loss / total_batch
    float(avg_cost.detach())
    return time.perf_counter() - start


def engine_epoch(data, threads: int | None = 1, **kw) -> tuple[float, float]:
    """(epoch loop seconds, whole call seconds) of one train_softmax epoch, with ``threads`` intra-op
    threads in this thread as the app's job runner sets them (None: PyTorch's default)."""
    with intraop_threads(threads):
        start = time.perf_counter()
        fit = sm.train_softmax(data.train_images, data.train_labels, epochs=1, **{**SETTINGS, **kw})
        return fit.epoch_seconds[0], time.perf_counter() - start


def vm_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in MiB, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def rss_of_served_app(root: Path) -> str:
    """Serve the app, open the MNIST tab in headless Chromium, train the defaults; report the server's memory."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        raise FileNotFoundError(chromium)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, mnist.DATA_ENV: str(root)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        args += ["--disable-component-update", "--disable-sync", "--no-first-run"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=args, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(300_000)
            page.goto(url)
            page.get_by_role("heading", name="Sigmoid explorer").wait_for()
            time.sleep(1)
            before = vm_status(proc.pid)
            page.goto(url + "/softmax")
            page.get_by_role("tab", name="MNIST").click()
            page.get_by_role("button", name="Train", exact=True).click()
            page.get_by_text("Most confused pairs").first.wait_for()
            time.sleep(1)
            after = vm_status(proc.pid)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return (
        f"served app (streamlit run, pid {proc.pid}): sigmoid page only: RSS {before['VmRSS']} MiB "
        f"(peak {before['VmHWM']} MiB); after loading MNIST and training the defaults: "
        f"RSS {after['VmRSS']} MiB, peak {after['VmHWM']} MiB"
    )


RSS_CHILD = """
import sys
sys.path.insert(0, {root!r})
import streamlit, torch
from engine.data import mnist
from engine.models import softmax
def hwm():  # this process's peak RSS in MiB (ru_maxrss would include the parent's, across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
base = hwm()
data = mnist.load_mnist({data!r})
fit = softmax.train_softmax(data.train_images, data.train_labels, n_classes=10, lr=0.1, epochs=15, batch_size=128,
                            seed=777, X_test=data.test_images, y_test=data.test_labels)
peak = hwm()
print(f"plain process (imports streamlit + torch, loads MNIST, trains the defaults): peak {{peak}} MiB "
      f"(after the imports: {{base}} MiB; MNIST tensors: {{data.nbytes / 2**20:.0f}} MiB)")
"""


def rss_of_engine_process(root: Path) -> str:
    code = RSS_CHILD.format(root=str(ROOT), data=str(root))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-rss", action="store_true", help="skip the memory measurement")
    args = parser.parse_args()

    root = mnist.default_root()
    if not mnist.has_mnist(root):
        sys.exit(f"MNIST is not in {mnist.raw_folder(root)}: run `python -m engine.data.mnist` first.")
    data = mnist.load_mnist(root)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(
        f"torch {torch.__version__}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, "
        f"load average {' '.join(load)}"
    )
    print(f"MNIST: {data.n_train} train / {data.n_test} test images from {mnist.raw_folder(root)}\n")

    flat_float = data.train_images.reshape(data.n_train, -1).to(torch.float32).div(255)
    tut, tut1, loop, call, f32, auto, threads = [], [], [], [], [], [], []
    for _ in range(args.repeats):
        tut.append(tutorial_epoch(root))
        with intraop_threads(1):
            tut1.append(tutorial_epoch(root))
        e, c = engine_epoch(data)
        loop.append(e)
        call.append(c)
        with intraop_threads(1):
            f32.append(sm.train_softmax(flat_float, data.train_labels, epochs=1, **SETTINGS).epoch_seconds[0])
        auto.append(engine_epoch(data, route="autograd")[0])
        threads.append(engine_epoch(data, threads=None)[0])
    med = statistics.median
    rows = [
        ("tutorial DataLoader loop (as written)", med(tut)),
        ("tutorial DataLoader loop, 1 thread", med(tut1)),
        ("train_softmax epoch loop (uint8, closed form, 1 thread)", med(loop)),
        ("train_softmax whole call, 1 epoch", med(call)),
        ("  variant: images preloaded as float32", med(f32)),
        ("  variant: autograd + torch.optim.SGD, preloaded uint8", med(auto)),
        ("  variant: closed form, default threads", med(threads)),
    ]
    print(f"One epoch, median of {args.repeats} (seconds; ratio = tutorial as written / this):")
    for name, seconds in rows:
        print(f"  {name:<58} {seconds:8.3f} s   {med(tut) / seconds:7.1f}x")
    print(
        f"  ratio vs the 1-thread tutorial loop: {med(tut1) / med(loop):.1f}x (epoch loop), "
        f"{med(tut1) / med(call):.1f}x (whole call)"
    )
    print(f"  all runs, tutorial: {[round(t, 3) for t in tut]}, train_softmax loop: {[round(t, 4) for t in loop]}\n")

    walls = []
    for _ in range(args.repeats):
        with intraop_threads(1):
            start = time.perf_counter()
            fit = sm.train_mnist(data, sm.MnistSettings())
            walls.append(time.perf_counter() - start)
    wall = med(walls)
    print("Page defaults (15 epochs, batch 128, lr 0.1, SGD, seed 777, test set evaluated every epoch):")
    print(
        f"  total {wall:.2f} s (median of {args.repeats}: {[round(w, 2) for w in walls]}), "
        f"test accuracy {fit.test_accuracy:.2%}"
    )
    print(
        f"  per epoch {wall / 15:.3f} s: {med(tut) / (wall / 15):.1f}x the tutorial epoch as written "
        f"(target >= 40x); the 1-epoch call is {med(tut) / med(call):.1f}x (target >= 25x)"
    )
    print(f"  test accuracy per epoch: {[round(a, 4) for a in fit.history['test_accuracy']]}")
    print(
        f"  storage: uint8 images {data.train_images.numel() / 2**20:.0f} MiB vs float32 "
        f"{data.train_images.numel() * 4 / 2**20:.0f} MiB\n"
    )

    if not args.no_rss:
        print("Peak resident memory:")
        try:
            print("  " + rss_of_served_app(root))
        except (ImportError, FileNotFoundError) as exc:
            print(f"  (no headless Chromium/Playwright: {exc}; measuring a plain process instead)")
        print("  " + rss_of_engine_process(root))


if __name__ == "__main__":
    main()
