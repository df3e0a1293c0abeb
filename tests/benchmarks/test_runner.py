"""The benchmark runner: discovery, the README table, and a quick run into a temporary dir.

The quick run uses one real benchmark (``gmm_em``, with its ``QUICK_ARGS``) copied next to
fake modules that succeed, crash, hang or lack their peer library, so nothing is written
into the repository's ``benchmarks/results`` or ``benchmarks/README.md``.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from benchmarks import runner

REAL_QUICK = "gmm_em"

FAKE_OK = """
    from benchmarks import harness

    QUICK_ARGS = (*("--size", "2"), "--name", "fake_ok_quick")

    def main(argv=None):
        size = int(argv[1]) if argv else 10
        harness.write_result(argv[3], {"size": size, "machine": {}})
        return 0

    def summary_rows(result):
        return [{"benchmark": "fake_ok", "case": f"size {result['size']}", "gen_jax": "1 ex/s",
                 "peer": "a|b", "ratio": "2.00"}]
"""
FAKE_PEER = """
    import not_an_installed_peer_library

    QUICK_ARGS: tuple[str, ...] = ()

    def main(argv=None):
        return 0

    def summary_rows(result):
        return []
"""
FAKE_CRASH = FAKE_PEER.replace("import not_an_installed_peer_library", "").replace(
    "return 0", "raise RuntimeError('boom')"
)
FAKE_HANG = FAKE_PEER.replace("import not_an_installed_peer_library", "import time").replace(
    "return 0", "time.sleep(60)"
)
NOT_A_BENCHMARK = """
    def main(argv=None):
        return 0
"""


def _write(directory: Path, name: str, source: str) -> None:
    (directory / f"{name}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def fakes(tmp_path):
    directory = tmp_path / "benches"
    directory.mkdir()
    for name, source in [
        ("fake_ok", FAKE_OK),
        ("fake_peer", FAKE_PEER),
        ("fake_crash", FAKE_CRASH),
        ("fake_hang", FAKE_HANG),
        ("helpers", NOT_A_BENCHMARK),
    ]:
        _write(directory, name, source)
    return directory


def _readme(path: Path) -> Path:
    path.write_text(f"# B\n\nbefore\n{runner.TABLE_START}\nOLD-TABLE\n{runner.TABLE_END}\nafter\n")
    return path


def test_discovery_reads_the_contract_without_importing(fakes):
    found = {benchmark.name: benchmark for benchmark in runner.discover(fakes)}
    assert set(found) == {"fake_ok", "fake_peer", "fake_crash", "fake_hang"}
    assert found["fake_ok"].quick_args == ("--size", "2", "--name", "fake_ok_quick")
    real = {benchmark.name for benchmark in runner.discover()}
    assert {"gmm_em", "hmm", "pcfg", "lda", "rbm", "bayesnet", "scaling", "compile_times"} <= real


def test_readme_block_is_replaced_and_missing_markers_are_named(tmp_path):
    readme = _readme(tmp_path / "README.md")
    runner.update_readme(readme, "| new |")
    assert readme.read_text() == (
        f"# B\n\nbefore\n{runner.TABLE_START}\n| new |\n{runner.TABLE_END}\nafter\n"
    )
    bare = tmp_path / "bare.md"
    bare.write_text("# no markers\n")
    with pytest.raises(ValueError, match="benchmark-table:start"):
        runner.update_readme(bare, "x")
    with pytest.raises(ValueError, match="benchmark-table:start"):
        runner.run_all(quick=True, benchmarks_dir=tmp_path, results_dir=tmp_path, readme=bare)


def test_a_hang_is_stopped_by_the_timeout(fakes, tmp_path):
    (hang,) = [b for b in runner.discover(fakes) if b.name == "fake_hang"]
    rows = runner.run_benchmark(hang, quick=True, results_dir=tmp_path / "r", timeout_s=1)
    assert rows == [runner.status_row("fake_hang", "failed: timed out after 1 s")]
    assert (tmp_path / "r" / "logs" / "fake_hang.log").exists()


def test_quick_run_writes_results_rows_and_table(fakes, tmp_path):
    shutil.copy(runner.BENCHMARKS_DIR / f"{REAL_QUICK}.py", fakes)
    (fakes / "fake_hang.py").unlink()
    results = tmp_path / "results"
    readme = _readme(tmp_path / "README.md")

    rows = runner.run_all(quick=True, benchmarks_dir=fakes, results_dir=results, readme=readme)

    by_name = {}
    for row in rows:
        assert tuple(row) == runner.ROW_KEYS
        by_name.setdefault(row["benchmark"], []).append(row)
    assert by_name["fake_ok"][0]["case"] == "size 2"  # QUICK_ARGS were passed
    assert (results / "fake_ok_quick.json").exists()
    assert by_name["fake_peer"][0]["gen_jax"].startswith(
        "skipped: not_an_installed_peer_library is not installed"
    )
    assert by_name["fake_crash"][0]["gen_jax"].startswith("failed: exit 1")
    assert "boom" in (results / "logs" / "fake_crash.log").read_text()
    (real,) = by_name[REAL_QUICK]
    assert not real["gen_jax"].startswith(("failed", "skipped")), real
    assert float(real["ratio"]) > 0

    payload = json.loads((results / f"{REAL_QUICK}.json").read_text())
    machine = payload["machine"]
    assert machine["cpu_model"] and machine["jax_device_count"] >= 1
    assert machine["versions"]["jax"] and machine["jax_device_kind"]
    assert json.loads((results / "summary.json").read_text())["rows"] == rows

    text = readme.read_text()
    assert text.startswith("# B\n\nbefore\n") and text.endswith(f"{runner.TABLE_END}\nafter\n")
    assert "OLD-TABLE" not in text and "`python -m benchmarks run --quick`" in text
    assert "| fake_ok | size 2 | 1 ex/s | a\\|b | 2.00 |" in text


def test_unknown_names_are_rejected(fakes, tmp_path):
    with pytest.raises(ValueError, match="unknown benchmark"):
        runner.run_all(only=["nope"], benchmarks_dir=fakes, results_dir=tmp_path, readme=None)
