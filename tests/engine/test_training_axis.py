"""The x axis of a training curve counts what a row is: epochs, or L-BFGS iterations, in whole numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.present.charts import logistic as charts

HISTORY = pd.DataFrame({"epoch": range(9), "loss": [0.7 - 0.05 * k for k in range(9)], "epochs": 9})


@pytest.mark.parametrize(("optimizer", "title"), [("lbfgs", "L-BFGS iteration"), ("adam", "epoch (optimizer step)")])
def test_the_live_loss_chart_names_its_steps_and_ticks_whole_numbers(optimizer, title):
    unit = charts.step_unit(optimizer)
    spec = charts.live_loss_chart(HISTORY, total_epochs=9, unit=unit).to_dict()
    x = spec["encoding"]["x"]
    assert x["title"] == title and x["axis"] == {"format": "d", "tickMinStep": 1}
    assert spec["encoding"]["tooltip"][0]["title"] == ("iteration" if optimizer == "lbfgs" else "epoch")
