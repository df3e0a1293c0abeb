"""Tests for gen_jax.viz.curves: reading metrics.jsonl and plotting training curves."""

import json

import matplotlib.image
import numpy as np
import pytest

from gen_jax.viz import metric_keys, read_metrics, save_metric_curves


def _write_lines(path, lines):
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_read_metrics_drops_a_truncated_last_line(tmp_path):
    lines = [json.dumps({"step": step, "loss": 1.0 / step}) for step in (1, 2, 3)]
    path = _write_lines(tmp_path / "metrics.jsonl", [*lines, "", '{"step": 4, "lo'])
    records = read_metrics(path)
    assert [record["step"] for record in records] == [1, 2, 3]
    assert records[1]["loss"] == 0.5


def test_read_metrics_accepts_missing_final_newline_blank_lines_and_nan(tmp_path):
    path = _write_lines(tmp_path / "m.jsonl", ['{"step": 0, "loss": NaN}', "", '{"step": 2.0}'])
    records = read_metrics(path)
    assert np.isnan(records[0]["loss"])
    assert records[1] == {"step": 2} and isinstance(records[1]["step"], int)


def test_read_metrics_rejects_corruption_before_the_last_line(tmp_path):
    path = _write_lines(tmp_path / "m.jsonl", ['{"step": 1}', "{oops", '{"step": 3}'])
    with pytest.raises(ValueError, match="line 2: not valid JSON"):
        read_metrics(path)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ('{"loss": 1.0}', "'step' must be an integer"),
        ('{"step": 1.5}', "'step' must be an integer, got 1.5"),
        ("[1]", "expected a JSON object"),
    ],
)
def test_read_metrics_rejects_records_without_integer_step(tmp_path, line, match):
    path = _write_lines(tmp_path / "m.jsonl", [line, '{"step": 9}'])
    with pytest.raises(ValueError, match=match):
        read_metrics(path)


def test_metric_keys_are_numeric_non_step_keys_in_first_seen_order():
    records = [
        {"step": 1, "loss": 1.0, "phase": "train", "done": False},
        {"step": 2, "kl": np.float32(0.5), "loss": 0.5},
    ]
    assert metric_keys(records) == ["loss", "kl"]


def test_save_metric_curves_writes_non_trivial_png(tmp_path):
    records = [
        {"step": step, "loss": np.exp(-step / 30), "kl": step / 100, "recon": 1.0, "lr": 1e-3}
        for step in range(0, 200, 5)
    ]
    records[3].pop("kl")
    path = save_metric_curves(tmp_path / "curves.png", records, title="VAE <digits>")
    pixels = matplotlib.image.imread(path)
    # Four metrics: two rows of three subplots.
    assert pixels.shape[0] > 400 and pixels.shape[1] > 1000
    assert pixels[..., :3].std() > 0.05
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 20


def test_save_metric_curves_with_one_record_and_chosen_keys(tmp_path):
    path = save_metric_curves(tmp_path / "one.png", [{"step": 0, "loss": 2.0, "acc": 0.1}])
    assert matplotlib.image.imread(path).shape[1] > 600  # two subplots side by side
    path = save_metric_curves(tmp_path / "loss.png", [{"step": 0, "loss": 2.0}], keys=["loss"])
    assert path.exists()


def test_save_metric_curves_sorts_steps_and_keeps_the_resumed_values(tmp_path):
    records = [{"step": s, "loss": 1.0} for s in (0, 1, 2, 3)]
    records += [{"step": s, "loss": 0.5} for s in (2, 3, 4)]
    assert save_metric_curves(tmp_path / "resumed.png", records).exists()


@pytest.mark.parametrize(
    ("records", "kwargs", "match"),
    [
        ([], {}, "records is empty"),
        ([{"step": 0, "phase": "x"}], {}, "no numeric metric"),
        ([{"loss": 1.0}], {}, r"records\[0\] must be a mapping with an integer 'step'"),
        ([{"step": 0, "loss": 1.0}], {"keys": ["los"]}, r"\['los'\] never hold.*\['loss'\]"),
        ([{"step": 0, "loss": 1.0}], {"keys": "loss"}, "keys must be a non-empty sequence"),
    ],
)
def test_save_metric_curves_rejects_bad_input(tmp_path, records, kwargs, match):
    with pytest.raises(ValueError, match=match):
        save_metric_curves(tmp_path / "c.png", records, **kwargs)
