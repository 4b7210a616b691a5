"""Seeded PyTorch layers that never touch the process-wide random generator.

Streamlit serves every user session from threads of one process, so ``torch.manual_seed`` in one
session would change the numbers another session draws at the same moment. The helpers here draw
from a private ``torch.Generator`` instead, with the same mt19937 stream, so they give exactly
the numbers of the course notes' ``torch.manual_seed(seed); nn.Linear(...)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn


def seeded_linear(d: int, out: int, seed: int) -> tuple[nn.Linear, torch.Tensor]:
    """The layer ``torch.manual_seed(seed); nn.Linear(d, out)`` builds, and the generator state after it.

    ``nn.Linear.reset_parameters`` is replayed (Kaiming-uniform weight, uniform bias) on a
    private generator seeded with ``seed``. The returned state lets a caller continue the stream
    (for example, the batch order that a seeded ``DataLoader`` would draw next).
    """
    gen = torch.Generator().manual_seed(int(seed))
    layer = nn.Linear(d, out, device="meta").to_empty(device="cpu")
    with torch.no_grad():
        nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=gen)
        bound = 1 / math.sqrt(d) if d > 0 else 0
        nn.init.uniform_(layer.bias, -bound, bound, generator=gen)
    return layer, gen.get_state()
