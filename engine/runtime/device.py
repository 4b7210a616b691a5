"""Choose the compute device in one place: CUDA, then Apple MPS, else the CPU."""

from __future__ import annotations

import torch

from engine.text import Msg


def pick_device() -> torch.device:
    """Return the best available device: ``cuda``, then ``mps``, else ``cpu``."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device | None = None) -> Msg:
    """A short human-readable name for ``device`` (default: :func:`pick_device`)."""
    device = device or pick_device()
    if device.type == "cuda":
        return Msg("GPU (CUDA): {name}", name=torch.cuda.get_device_name(device))
    if device.type == "mps":
        return Msg("GPU (Apple MPS)")
    return Msg("CPU ({n} threads)", n=torch.get_num_threads())
