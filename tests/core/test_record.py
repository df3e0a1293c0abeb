"""record_fit: a finished fit's history and parameters, written as fit writes a run."""

import json

import jax
import numpy as np
import pytest

from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.record import record_fit


def _records(workdir):
    return [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]


def test_history_rows_become_steps_and_the_state_a_checkpoint(tmp_path):
    history = {"log_likelihood": [-3.0, -2.5, np.nan], "n_iter": [1, 2, 3]}
    state = {"means": np.arange(4.0).reshape(2, 2)}
    record_fit(tmp_path, history=history, state=state, meta={"seed": 3})
    records = _records(tmp_path)
    assert [r["step"] for r in records] == [1, 2, 3]
    assert "log_likelihood" not in records[2] and records[1]["log_likelihood"] == -2.5
    checkpointer = Checkpointer(tmp_path / "checkpoints")
    assert checkpointer.all_steps() == [3]
    abstract = {"means": jax.ShapeDtypeStruct((2, 2), np.float32)}
    restored, meta = checkpointer.restore(abstract)
    checkpointer.close()
    np.testing.assert_array_equal(restored["means"], state["means"])
    assert meta == {"seed": 3}


def test_a_sweep_is_written_at_the_given_steps_and_a_refit_replaces_it(tmp_path):
    record_fit(tmp_path, history={"bic": [5.0, 4.0, 6.0]}, steps=[5, 10, 20])
    assert [(r["step"], r["bic"]) for r in _records(tmp_path)] == [(5, 5.0), (10, 4.0), (20, 6.0)]
    record_fit(tmp_path, history={"bic": [1.0]}, steps=[2])
    assert [r["step"] for r in _records(tmp_path)] == [2]
    with pytest.raises(ValueError, match="steps has 1 entries for 2 history rows"):
        record_fit(tmp_path, history={"bic": [1.0, 2.0]}, steps=[2])


def test_em_curves_are_drawn_by_iteration_with_integer_ticks(tmp_path, monkeypatch):
    from gen_jax.viz import curves, write_report

    figures = []
    monkeypatch.setattr(curves, "save_figure_png", lambda path, figure: figures.append(figure))
    record_fit(tmp_path, history={"log_likelihood": [-3.0, -2.5, -2.4, -2.35]})
    write_report(tmp_path, title="EM", config={})
    (axis,) = [axis for axis in figures[0].axes if axis.get_visible()]
    assert axis.get_xlabel() == "EM iteration"
    ticks = axis.xaxis.get_major_locator()()
    assert len(ticks) and all(float(tick).is_integer() for tick in ticks)
    record_fit(tmp_path / "sweep", history={"bic": [5.0, 4.0]}, steps=[2, 4])
    write_report(tmp_path / "sweep", title="sweep", config={})
    assert figures[1].axes[0].get_xlabel() == "step"  # a sweep's steps are not iterations
