"""The launcher and the CLI protect a workdir and speak in one line; a finished run started
again, or re-scored, renders the same pages; `gen-jax list` is cheap and complete."""

import functools
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from gen_jax import cli, launcher
from gen_jax.core import sharding, workdir_lock

# A stand-in experiment whose train() does what run.behaviour says, in milliseconds.
_CONFIG = '''
"""A stand-in experiment for the launcher's tests.

Variants:
    tiny: nothing; instant.
    demo: nothing either; instant.
    full: still nothing.

Expected result: whatever run.behaviour says.
"""
from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant="demo"):
    config = ConfigDict()
    config.model = dict(latent_dim=2, hidden_sizes=(4, 4))
    config.optim = dict(learning_rate=0.1)
    config.data = dict(batch_size=8)
    config.run = dict(num_steps=3, behaviour="ok")
    config.eval = dict(num_samples=10)
    return config
'''
_TRAIN = """
import os
import signal
from pathlib import Path

from gen_jax.core.loop import NonFiniteError, TrainingInterrupted


def train(config, workdir):
    behaviour = config.run.behaviour
    if behaviour == "nan":
        raise NonFiniteError("non-finite metrics {'loss': nan} in the steps up to 2;\\nlower it")
    if behaviour == "sigint":
        raise TrainingInterrupted("SIGINT received: stopped at step 2", signal_number=2, step=2)
    (Path(workdir) / "checkpoints" / str(config.run.num_steps)).mkdir(parents=True)
    return {"loss": 1.0}
"""


@pytest.fixture
def experiments(tmp_path):
    folder = tmp_path / "experiments"
    (folder / "toy").mkdir(parents=True)
    (folder / "toy" / "config.py").write_text(textwrap.dedent(_CONFIG))
    (folder / "toy" / "train.py").write_text(textwrap.dedent(_TRAIN))
    return folder


def _cli(experiments, capsys, *argv):
    status = cli.main(["--experiments", str(experiments), *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.latent_dim=0", "config.model.latent_dim=0 must be positive"),
        ("optim.learning_rate=-0.001", "config.optim.learning_rate=-0.001 must be positive"),
        ("data.batch_size=7", "divisible by the 8 devices"),
        ("model.hidden_sizes=(4, 0)", "hidden_sizes=(4, 0) must be positive"),
    ],
)
def test_a_bad_configuration_is_refused_before_anything_is_written(
    experiments, capsys, tmp_path, override, message
):
    workdir = tmp_path / "run"
    status, _, err = _cli(
        experiments, capsys, "run", "toy", "--workdir", str(workdir), f"--config.{override}"
    )
    assert status == 2 and message in err and err.count("\n") == 1
    assert not workdir.exists()


def test_resuming_with_another_model_is_refused_listing_the_keys(experiments, capsys, tmp_path):
    workdir = str(tmp_path / "run")
    assert _cli(experiments, capsys, "run", "toy", "--workdir", workdir)[0] == 0
    recorded = (tmp_path / "run" / "config.json").read_text()
    status, _, err = _cli(
        experiments,
        capsys,
        "run",
        "toy",
        "--workdir",
        workdir,
        "--config.model.latent_dim=4",
        "--config.optim.learning_rate=0.2",
    )
    assert status == 2 and err.count("\n") == 1
    assert "model.latent_dim: 2 -> 4" in err and "optim.learning_rate: 0.1 -> 0.2" in err
    assert (tmp_path / "run" / "config.json").read_text() == recorded
    # more steps (the run section) continue the same checkpoints
    assert (
        _cli(experiments, capsys, "run", "toy", "--workdir", workdir, "--config.run.num_steps=5")[0]
        == 0
    )
    assert (
        json.loads((tmp_path / "run" / "config.json").read_text())["config"]["run"]["num_steps"]
        == 5
    )


def test_a_failed_attempt_leaves_no_config_json(experiments, capsys, tmp_path):
    workdir = tmp_path / "run"
    status, _, err = _cli(
        experiments, capsys, "run", "toy", "--workdir", str(workdir), "--config.run.behaviour=nan"
    )
    assert status == 2 and err.startswith("gen-jax: NonFiniteError: non-finite metrics")
    assert err.count("\n") == 1 and not (workdir / "config.json").exists()


def test_an_interrupted_run_says_how_to_resume_in_one_line(experiments, capsys, tmp_path):
    status, _, err = _cli(
        experiments,
        capsys,
        "run",
        "toy",
        "--workdir",
        str(tmp_path / "r"),
        "--config.run.behaviour=sigint",
    )
    assert status == 130 and err == "gen-jax: SIGINT received: stopped at step 2\n"


def test_a_workdir_that_is_a_file_or_in_use_is_one_line(experiments, capsys, tmp_path):
    (tmp_path / "file").write_text("")
    status, _, err = _cli(experiments, capsys, "run", "toy", "--workdir", str(tmp_path / "file"))
    assert status == 2 and "is a file" in err and err.count("\n") == 1
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "busy").mkdir()
        (tmp_path / "busy" / workdir_lock.LOCK_FILE).write_text(
            json.dumps({"pid": holder.pid, "host": os.uname().nodename})
        )
        status, _, err = _cli(
            experiments, capsys, "run", "toy", "--workdir", str(tmp_path / "busy")
        )
    finally:
        holder.kill()
        holder.wait()
    assert status == 2 and f"in use by process {holder.pid}" in err and err.count("\n") == 1


def test_a_read_only_workdir_is_one_line(experiments, capsys, tmp_path, monkeypatch):
    workdir = tmp_path / "locked"
    workdir.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root may write anywhere: let the access check see read-only
        monkeypatch.setattr(launcher.os, "access", lambda path, mode: False)
    status, _, err = _cli(experiments, capsys, "run", "toy", "--workdir", str(workdir))
    assert status == 2 and "read-only" in err and err.count("\n") == 1


def test_a_bad_tour_variant_is_one_line(experiments, capsys, tmp_path):
    status, _, err = _cli(
        experiments, capsys, "tour", "--workdir", str(tmp_path), "--variant", "huge"
    )
    assert status == 2 and "'huge' is not a variant of toy" in err and err.count("\n") == 1


def test_the_tour_prints_costs_and_ends_with_the_index_as_a_file_url(experiments, capsys, tmp_path):
    status, out, _ = _cli(experiments, capsys, "tour", "--workdir", str(tmp_path / "demo"))
    assert status == 0 and "toy: nothing either; instant." in out
    assert "expected duration about 0 minutes" in out
    assert out.strip().splitlines()[-1] == f"index: {(tmp_path / 'demo' / 'index.html').as_uri()}"
    page = (tmp_path / "demo" / "index.html").read_text()
    assert "A stand-in experiment for the launcher&#x27;s tests." in page


def test_list_shows_whole_descriptions_variants_and_data_sets(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in launcher.list_experiments():
        info = launcher.describe_experiment(name)
        assert f"{name}" in out and info.description in out
    assert "Needs the TFDS data set 'mnist'" in out and "tiny:" in out and "full:" in out


def test_listing_reads_the_configs_without_jax_in_well_under_two_seconds(tmp_path):
    # The catalogue module alone, in a fresh interpreter: what `gen-jax list` costs once
    # the package stops importing JAX eagerly (see the report of issue 28).
    from gen_jax.core import experiment_files

    script = textwrap.dedent(f"""
        import importlib.util, sys, time
        start = time.perf_counter()
        spec = importlib.util.spec_from_file_location("catalogue", {experiment_files.__file__!r})
        module = importlib.util.module_from_spec(spec); sys.modules["catalogue"] = module
        spec.loader.exec_module(module)
        folder = {str(launcher.experiments_dir())!r}
        import os
        for name in sorted(os.listdir(folder)):
            if os.path.exists(os.path.join(folder, name, "config.py")):
                module.describe(folder, name)
        print(time.perf_counter() - start, "jax" in sys.modules)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    seconds, jax_loaded = done.stdout.split()
    assert jax_loaded == "False" and float(seconds) < 2.0


# --- a finished tiny run, started again and re-scored ---------------------------------------

_NUMBER_CELL = re.compile(r'<td class="number">([^<]*)</td>')


def _page_numbers(workdir):
    """The numbers the report shows: every number cell and the summary paragraph."""
    text = (workdir / "report.html").read_text()
    summary = re.search(r'<p class="summary-text">(.*?)</p>', text, flags=re.S).group(1)
    return _NUMBER_CELL.findall(text), summary


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """made_digits:tiny with sample-quality scores, run once on two devices."""
    mesh_of_two = functools.partial(sharding.make_mesh, 2)
    original, sharding.make_mesh = sharding.make_mesh, mesh_of_two
    try:
        workdir = tmp_path_factory.mktemp("made_digits")
        overrides = ["eval.score_samples=True"]
        first = launcher.run_experiment("made_digits:tiny", workdir, overrides)
        pages = _page_numbers(workdir)
        again = launcher.run_experiment("made_digits:tiny", workdir, overrides)
    finally:
        sharding.make_mesh = original
    return workdir, first, pages, again


def test_a_finished_run_started_again_shows_the_same_numbers(finished_run):
    workdir, first, pages, again = finished_run
    assert again == first
    cells, summary = _page_numbers(workdir)
    assert (cells, summary) == pages and len(cells) > 10
    assert "Variant <b>tiny</b>" in summary and "Expected result" in summary
    assert "No metrics were recorded" not in (workdir / "report.html").read_text()


def test_rescoring_a_run_keeps_its_training_numbers(finished_run, capsys):
    workdir, _, pages, _ = finished_run
    assert cli.main(["eval", str(workdir)]) == 0
    capsys.readouterr()
    assert _page_numbers(workdir) == pages
    quality = json.loads((workdir / "sample_quality.json").read_text())
    assert set(quality["baselines"]) == {"real", "noise"}
    assert "Held-out real data" in (workdir / "report.html").read_text()


def test_the_index_is_built_from_the_workdirs(finished_run, tmp_path):
    from gen_jax.viz.report import index_entry, write_index

    workdir = finished_run[0]
    entry = index_entry(workdir.parent, workdir.name, description="MADE on digits.")
    assert entry["summary"] and entry["report"] == f"{workdir.name}/report.html"
    page = write_index(workdir.parent, [entry]).read_text()
    assert "MADE on digits." in page and 'class="thumbnail"' in page
