"""Every experiment's tiny variant end to end; the launcher and CLI on good and bad input."""

import functools
import json
import math

import pytest

from gen_jax import cli, launcher
from gen_jax.core import sharding
from gen_jax.core.config_checks import check_config

EXPERIMENTS = launcher.list_experiments()


def test_the_tour_holds_the_models_the_issues_put_there():
    tour = {name for name in EXPERIMENTS if launcher.config_module(name).IN_DEMO_TOUR}
    assert tour >= {"vae_digits", "gmm_toy", "hmm_casino"}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_variant_has_a_config_and_a_documented_command(name):
    module = launcher.config_module(name)
    assert set(module.VARIANTS) >= {"tiny", "demo", "full"}
    assert "gen-jax run" in module.__doc__ and "Expected" in module.__doc__
    for variant in module.VARIANTS:
        config = launcher.get_config(name, variant)
        assert set(config) >= {"model", "data", "run"}
        assert config.run.num_steps >= 1
        check_config(config.to_dict())  # every shipped variant is inside the declared ranges


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_tiny_variant_runs_end_to_end(name, tmp_path, monkeypatch):
    # Two of the eight test devices: the batch is still sharded, and compiling for two
    # devices is much cheaper (the Step contract checks every Step on eight).
    monkeypatch.setattr(sharding, "make_mesh", functools.partial(sharding.make_mesh, 2))
    monkeypatch.chdir(tmp_path.parent)
    metrics = launcher.run_experiment(f"{name}:tiny", tmp_path.name)  # a relative workdir
    assert metrics and all(math.isfinite(value) for value in metrics.values())
    report = (tmp_path / "report.html").read_text()
    assert "<img" in report
    assert json.loads((tmp_path / "config.json").read_text())["variant"] == "tiny"
    assert list((tmp_path / "samples").glob("*.png"))
    assert (tmp_path / "metrics.jsonl").exists() and (tmp_path / "checkpoints").is_dir()


def test_tour_writes_an_index_and_reports_failures(tmp_path, monkeypatch):
    def fake_run(spec, workdir, overrides=(), root=None):
        if spec.startswith("vae_digits"):
            raise RuntimeError("boom")
        return {}

    monkeypatch.setattr(launcher, "run_experiment", fake_run)
    index, ok = launcher.run_tour(tmp_path, variant="tiny")
    assert not ok
    page = index.read_text()
    assert "vae_digits" in page and "boom" in page


def test_overrides_are_typed_and_checked():
    config = launcher.get_config("vae_digits", "tiny")
    overrides = ["optim.learning_rate=1", "model.encoder_filters=(2, 4)", "run.seed=5"]
    launcher.apply_overrides(config, [*overrides, "model.latent_dim=16"])
    learning_rate = config.optim.learning_rate
    assert learning_rate == 1.0 and isinstance(learning_rate, float)
    assert config.model.encoder_filters == (2, 4) and config.run.seed == 5
    assert config.model.latent_dim == 16
    with pytest.raises(KeyError, match="unknown config key 'optim.learnin_rate'"):
        launcher.apply_overrides(config, ["optim.learnin_rate=0.1"])
    with pytest.raises(KeyError, match="unknown config key 'learning_rate'"):
        launcher.apply_overrides(config, ["learning_rate=0.1"])  # a flat key of old
    with pytest.raises(TypeError, match="run.num_steps.*expected a int"):
        launcher.apply_overrides(config, ["run.num_steps=many"])
    with pytest.raises(ValueError, match="key=value"):
        launcher.apply_overrides(config, ["run.num_steps"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "no_such_experiment"], "unknown experiment 'no_such_experiment'"),
        (["run", "vae_digits:huge"], "variants"),
        (["run", "vae_digits:tiny", "--config.nope=1"], "unknown config key"),
        (["run", "vae_digits:tiny", "--verbose"], "unrecognised argument"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(argv, message, capsys, tmp_path):
    assert cli.main([*argv, "--workdir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_cli_missing_data_set_says_how_to_get_it(capsys, tmp_path):
    argv = [
        "run",
        "vae_digits:tiny",
        "--workdir",
        str(tmp_path / "run"),
        "--config.data.dataset=mnist",
        f"--config.data.data_dir={tmp_path / 'empty'}",
    ]
    assert cli.main(argv) == 2
    error = capsys.readouterr().err
    assert "mnist" in error and "TFDS_DATA_DIR" in error


def test_cli_list_shows_variants(capsys):
    assert cli.main(["list"]) == 0
    assert "vae_digits" in capsys.readouterr().out
