"""Static HTML pages: one run's ``report.html``, and an ``index.html`` that links many runs.

:func:`write_report` also stores its inputs in ``workdir/report.json`` so that
:func:`rewrite_report` can render the page again without retraining (``gen-jax eval`` does,
after recomputing ``sample_quality.json``). Everything a page shows is read back from the
workdir: the final metrics are each metric's newest value in ``metrics.jsonl`` (updated by
the values the run passes), the summary comes from the launcher's ``config.json`` (variant,
expected result), and the index's rows from each run's ``report.json``, so starting a
finished run again, or re-scoring it, renders the same numbers. The pages use inline CSS
only: no JavaScript and no external resources, so a run directory can be copied, archived
or opened from disk and still display. Images are linked by paths relative to the page.
All text is HTML-escaped.
"""

from __future__ import annotations

import datetime
import html
import json
import numbers
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from gen_jax.core.atomic import write_bytes_atomically
from gen_jax.core.distributed import is_main_process
from gen_jax.core.metrics import latest_values, read_axis_label
from gen_jax.viz.curves import metric_keys, read_metrics, save_metric_curves

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 80rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.2rem; margin-top: 2rem; }
.timestamp { color: #656d76; margin-top: 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.7rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.number { text-align: right; font-family: ui-monospace, monospace; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.8rem; overflow: auto;
      max-height: 30rem; font-size: 0.85rem; }
img { max-width: 100%; border: 1px solid #d0d7de; }
.gallery { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.gallery img { image-rendering: pixelated; }
figure { margin: 0; }
figcaption { color: #424a53; margin-top: 0.3rem; }
.ok { color: #1a7f37; font-weight: bold; }
.failed { color: #cf222e; font-weight: bold; }
ul.summary { list-style: none; margin: 0; padding: 0; font-family: ui-monospace, monospace; }
td pre { margin: 0; max-height: 12rem; }
.summary-text { background: #f6f8fa; border-left: 4px solid #0969da; padding: 0.6rem 1rem; }
.flag { color: #cf222e; }
img.thumbnail { max-width: 12rem; max-height: 8rem; }
"""

_STATUSES = ("ok", "failed")
REPORT_INPUTS_FILE = "report.json"
SAMPLE_QUALITY_FILE = "sample_quality.json"
_SCORE_LABELS = {
    "frechet_distance": "Fréchet distance (FID only with InceptionV3 features)",
    "kid_mean": "KID (mean over subsets)",
    "kid_std": "KID (std over subsets)",
    "precision": "Precision (k-NN manifold)",
    "recall": "Recall (k-NN manifold)",
    "density": "Density",
    "coverage": "Coverage",
    "classifier_score_mean": "Classifier score / IS (mean over splits)",
    "classifier_score_std": "Classifier score / IS (std over splits)",
}
_ENTRY_KEYS = ("name", "report", "summary", "status", "error", "description", "thumbnail")
_HEADLINE_COUNT = 6


def write_report(
    workdir: str | os.PathLike,
    *,
    title: str,
    config: Mapping,
    metrics_path: str | os.PathLike | None = None,
    final_metrics: Mapping | None = None,
    images: Mapping[str, str | os.PathLike] | None = None,
    curves: bool = True,
) -> Path:
    """Writes ``workdir/report.html``: a run's final metrics, curves, images and config.

    When ``workdir/sample_quality.json`` exists (written by
    :func:`gen_jax.eval.record_sample_quality`), a "Sample quality" section shows its scores,
    the reasons for unavailable ones, and the protocol. The inputs are stored in
    ``workdir/report.json`` for :func:`rewrite_report`. When the metrics file exists and
    holds numeric metrics and ``curves`` is true, the curves are drawn into
    ``workdir/curves.png`` with :func:`~gen_jax.viz.save_metric_curves` and shown on the page.
    The page is written atomically.

    Args:
        workdir: The run directory; created if missing.
        title: Page title, e.g. the experiment's name and variant.
        config: The run's configuration as a (nested) mapping; shown as pretty-printed JSON.
            numpy and JAX arrays are shown as lists, other values JSON cannot encode by their
            ``str``.
        metrics_path: The run's ``metrics.jsonl``. Defaults to ``workdir/metrics.jsonl``, which
            may be absent (no curves then); an explicitly given path must exist.
        final_metrics: Scalars (Python, numpy or JAX) computed after training (test-set
            scores). The final-metrics table shows them, then each other metric's value in
            the last record of the metrics file that has it.
        images: Caption -> PNG path, relative to ``workdir`` or absolute inside it; each file
            must exist.
        curves: Whether to draw and show the training curves.

    Returns:
        The path of ``report.html``. In a multi-process run only the main process writes the
        page (the others return the path at once: their plots were not written either).

    Raises:
        TypeError: If ``title`` is not a string, or ``config``, ``final_metrics`` or ``images``
            is not a mapping.
        ValueError: If ``metrics_path`` was given but does not exist, or an image is missing
            or lies outside ``workdir``.
    """
    if not is_main_process():
        return Path(workdir) / "report.html"
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}.")
    if not isinstance(config, Mapping):
        raise TypeError(
            f"config must be a mapping, got {type(config).__name__}; convert an "
            "ml_collections.ConfigDict with config.to_dict()."
        )
    if final_metrics is not None and not isinstance(final_metrics, Mapping):
        raise TypeError(
            f"final_metrics must be a mapping or None, got {type(final_metrics).__name__}."
        )
    if images is not None and not isinstance(images, Mapping):
        raise TypeError(
            f"images must be a mapping of caption -> path, got {type(images).__name__}."
        )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    image_links = {
        str(caption): _relative_link(workdir, path, f"images[{caption!r}]", must_exist=True)
        for caption, path in (images or {}).items()
    }

    if metrics_path is None:
        metrics_path = workdir / "metrics.jsonl"
        records = read_metrics(metrics_path) if metrics_path.exists() else []
    elif not Path(metrics_path).exists():
        raise ValueError(
            f"metrics_path {str(metrics_path)!r} does not exist; pass None to use "
            "workdir/metrics.jsonl when it exists."
        )
    else:
        records = read_metrics(metrics_path)
    keys = metric_keys(records)
    recorded = {
        key: next(record[key] for record in reversed(records) if key in record) for key in keys
    }
    given = dict(final_metrics or {})
    final_metrics = {**given, **{k: v for k, v in recorded.items() if k not in given}}

    sections = [f"<h1>{_escape(title)}</h1>", f'<p class="timestamp">{_timestamp()}</p>']
    _store_inputs(workdir, title, config, metrics_path, given, image_links, curves)
    sections.append(_summary_paragraph(workdir, final_metrics))
    if image_links:
        figures = "".join(
            f'<figure><img src="{_escape(link)}" alt="{_escape(caption)}">'
            f"<figcaption>{_escape(caption)}</figcaption></figure>"
            for caption, link in image_links.items()
        )
        sections.append(f'<h2>Images</h2><div class="gallery">{figures}</div>')
    quality_path = workdir / SAMPLE_QUALITY_FILE
    if quality_path.is_file():
        sections.append(_sample_quality_section(json.loads(quality_path.read_text())))
    sections.append("<h2>Final metrics</h2>")
    if final_metrics:
        rows = "".join(
            f'<tr><th>{_escape(key)}</th><td class="number">{_format_value(value)}</td></tr>'
            for key, value in final_metrics.items()
        )
        sections.append(f"<table>{rows}</table>")
    else:
        sections.append("<p>No metrics were recorded.</p>")
    if curves and keys:
        x_label = read_axis_label(workdir)
        save_metric_curves(workdir / "curves.png", records, x_label=x_label)
        sections.append("<h2>Training curves</h2>")
        sections.append('<img src="curves.png" alt="Training curves">')
    config_text = json.dumps(config, indent=2, default=_json_value)
    sections.append(f"<h2>Config</h2><pre>{_escape(config_text)}</pre>")
    return write_bytes_atomically(workdir / "report.html", _page(title, sections))


def rewrite_report(workdir: str | os.PathLike) -> Path:
    """Renders ``workdir/report.html`` again from the inputs :func:`write_report` stored in
    ``workdir/report.json`` (picking up a recomputed ``sample_quality.json``).

    Raises:
        FileNotFoundError: if the run has no ``report.json`` (a report written before it
            existed); rerun the experiment.
    """
    workdir = Path(workdir)
    path = workdir / REPORT_INPUTS_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: the report's inputs were not stored (a run from before "
            "report.json); rerun the experiment to get a re-renderable report"
        )
    inputs = json.loads(path.read_text())
    metrics_path = inputs["metrics_path"]
    return write_report(
        workdir,
        title=inputs["title"],
        config=inputs["config"],
        metrics_path=None if metrics_path is None else workdir / metrics_path,
        final_metrics=inputs["final_metrics"],
        images=inputs["images"],
        curves=inputs["curves"],
    )


def _run_record(workdir: Path) -> dict:
    """The launcher's ``config.json`` of the run (experiment, variant, expected result)."""
    path = workdir / "config.json"
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        return {}


def headline(final_metrics: Mapping, count: int = _HEADLINE_COUNT) -> dict:
    """The first ``count`` scalar final metrics: those an experiment passes come first."""
    numbers_only = {k: v for k, v in final_metrics.items() if _is_scalar(v)}
    return dict(list(numbers_only.items())[:count])


def _is_scalar(value) -> bool:
    if hasattr(value, "dtype") and np.ndim(value) == 0:
        value = np.asarray(value).item()
    return isinstance(value, numbers.Real)


def _summary_paragraph(workdir: Path, final_metrics: Mapping) -> str:
    """One paragraph: which variant ran, what its config expects, what was measured."""
    run = _run_record(workdir)
    parts = []
    if run.get("variant"):
        variant = run["variant"]
        what = run.get("variant_description", "").rstrip(". ")
        parts.append(
            f"Variant <b>{_escape(variant)}</b>" + (f" ({_escape(what)})" if what else "") + "."
        )
        if variant == "tiny":
            parts.append(
                "The tiny variant exists to test the code path: its model is barely trained, "
                "so its samples and scores say nothing about the method."
            )
    if run.get("expected_result"):
        parts.append(f"From the config's docstring: {_escape(run['expected_result'])}")
    measured = headline(final_metrics)
    if measured:
        values = ", ".join(f"{_escape(k)} = {_format_value(v)}" for k, v in measured.items())
        parts.append(f"Measured: {values}.")
    return f'<p class="summary-text">{" ".join(parts) or "No summary recorded."}</p>'


def _store_inputs(workdir, title, config, metrics_path, final_metrics, image_links, curves):
    """Writes ``report.json``: :func:`write_report`'s arguments, paths relative to workdir."""
    if metrics_path is not None and Path(metrics_path).is_file():
        resolved = Path(metrics_path).resolve()  # relative to workdir when inside it
        inside = resolved.is_relative_to(workdir.resolve())
        metrics_path = str(resolved.relative_to(workdir.resolve()) if inside else resolved)
    else:
        metrics_path = None
    record = {
        "title": title,
        "config": json.loads(json.dumps(config, default=_json_value)),
        "metrics_path": metrics_path,
        "final_metrics": {
            str(key): _json_value(value) if hasattr(value, "dtype") else value
            for key, value in final_metrics.items()
        },
        "images": {caption: urllib.parse.unquote(link) for caption, link in image_links.items()},
        "curves": bool(curves),
    }
    text = json.dumps(record, indent=2, default=str)
    write_bytes_atomically(workdir / REPORT_INPUTS_FILE, text.encode())


def _sample_quality_section(result: Mapping) -> str:
    """The "Sample quality" section: each score beside held-out real data's and noise's,
    flags for scores no better than noise, unavailable scores with reasons, protocol."""
    baselines = result.get("baselines", {})
    real, noise = baselines.get("real", {}), baselines.get("noise", {})
    flags = result.get("flags", {})

    def cell(scores, key):
        return _format_value(scores[key]) if key in scores else "&ndash;"

    rows = [
        "<tr><th>Score</th><th>This run</th><th>Held-out real data</th>"
        "<th>Noise (best of four kinds)</th><th></th></tr>"
    ]
    rows += [
        f"<tr><th>{_escape(_SCORE_LABELS.get(key, key))}</th>"
        f'<td class="number">{_format_value(value)}</td>'
        f'<td class="number">{cell(real, key)}</td><td class="number">{cell(noise, key)}</td>'
        f'<td class="flag">{_escape(flags.get(key, ""))}</td></tr>'
        for key, value in result.get("scores", {}).items()
    ]
    rows += [
        f'<tr><th>{_escape(_SCORE_LABELS.get(key, key))}</th><td colspan="4">unavailable: '
        f"{_escape(reason)}</td></tr>"
        for key, reason in result.get("unavailable", {}).items()
    ]
    protocol = "".join(
        f"<tr><th>{_escape(key)}</th><td>{_escape(value)}</td></tr>"
        for key, value in result.get("protocol", {}).items()
    )
    warning = (
        f'<p class="flag">{len(flags)} of the scores are no better than noise: read them as '
        "untrained.</p>"
        if flags
        else ""
    )
    return (
        f"<h2>Sample quality</h2>{warning}<table>{''.join(rows)}</table>"
        f"<h3>Protocol</h3><table>{protocol}</table>"
    )


def index_entry(
    root: str | os.PathLike, name: str, *, description: str = "", error: str | None = None
) -> dict:
    """The :func:`write_index` entry of the run in ``root/name``, read from its workdir:
    the report link, the headline numbers and first image stored in its ``report.json``.

    Args:
        root: the directory holding the runs.
        name: the run's folder under ``root``.
        description: one line about the run (the experiment's description).
        error: the one-line error of a failed run, ``None`` for a run that succeeded.
    """
    workdir = Path(root) / name
    inputs_path = workdir / REPORT_INPUTS_FILE
    inputs = json.loads(inputs_path.read_text()) if inputs_path.is_file() else {}
    recorded = latest_values(workdir)
    recorded.pop("step", None)
    given = inputs.get("final_metrics", {})  # an experiment's own numbers come first
    final = {**given, **{key: value for key, value in recorded.items() if key not in given}}
    images = list(inputs.get("images", {}).values())
    report = workdir / "report.html"
    return {
        "name": name,
        "report": f"{name}/report.html" if report.is_file() else None,
        "summary": headline(final, 4),
        "status": "ok" if error is None else "failed",
        "error": error,
        "description": description,
        "thumbnail": f"{name}/{images[0]}" if images else None,
    }


def write_index(root: str | os.PathLike, entries: Sequence[Mapping]) -> Path:
    """Writes ``root/index.html``: a table of runs with links to their reports.

    Failed runs are marked and show their error. The page is written atomically.

    Args:
        root: The directory holding the runs (e.g. ``runs/demo``); created if missing.
        entries: One mapping per run, in display order, with keys
            ``name`` (str), ``status`` (``"ok"`` or ``"failed"``) and optionally
            ``report`` (path of its ``report.html`` relative to ``root`` or absolute inside it;
            ``None`` or absent when the run produced none), ``summary`` (mapping of a few
            scalars to show) and ``error`` (str, for failed runs).

    Returns:
        The path of ``index.html``.

    Raises:
        ValueError: If an entry has a missing or unknown key, a wrong status, a non-string
            name or error, a non-mapping summary, or a report path outside ``root``.
        Optional keys ``description`` (one line) and ``thumbnail`` (an image path relative
        to ``root``) add a picture and a line of text to the row.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rows = [_index_row(root, index, entry) for index, entry in enumerate(entries)]
    num_failed = sum(entry["status"] == "failed" for entry in entries)
    counts = f"{len(rows)} runs: {len(rows) - num_failed} ok, {num_failed} failed"
    header = "<tr><th>Run</th><th>Samples</th><th>Status</th><th>Summary</th><th>Error</th></tr>"
    sections = [
        "<h1>Runs</h1>",
        f'<p class="timestamp">{_timestamp()} &middot; {_escape(counts)}</p>',
        f"<table>{header}{''.join(rows)}</table>",
    ]
    return write_bytes_atomically(root / "index.html", _page("Runs", sections))


def _index_row(root: Path, index: int, entry: Mapping) -> str:
    """Validates one entry of :func:`write_index` and renders it as a table row."""
    where = f"entries[{index}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be a mapping, got {type(entry).__name__}.")
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        raise ValueError(f"{where} has unknown keys {unknown}; allowed keys: {list(_ENTRY_KEYS)}.")
    name, status = entry.get("name"), entry.get("status")
    report, error = entry.get("report"), entry.get("error")
    summary = entry.get("summary") or {}
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}['name'] must be a non-empty string, got {name!r}.")
    if status not in _STATUSES:
        raise ValueError(f"{where}['status'] must be one of {_STATUSES}, got {status!r}.")
    if error is not None and not isinstance(error, str):
        raise ValueError(f"{where}['error'] must be a string or None, got {error!r}.")
    if not isinstance(summary, Mapping):
        raise ValueError(f"{where}['summary'] must be a mapping of scalars, got {summary!r}.")

    if report is None:
        name_cell = _escape(name)
    else:
        link = _relative_link(root, report, f"{where}['report']", must_exist=False)
        name_cell = f'<a href="{_escape(link)}">{_escape(name)}</a>'
    if entry.get("description"):
        name_cell += f"<br>{_escape(entry['description'])}"
    thumbnail = entry.get("thumbnail")
    picture = ""
    if thumbnail and (root / thumbnail).is_file():
        source = _relative_link(root, thumbnail, f"{where}['thumbnail']", must_exist=True)
        picture = f'<img class="thumbnail" src="{_escape(source)}" alt="{_escape(name)}">'
    items = "".join(
        f"<li>{_escape(key)}: {_format_value(value)}</li>" for key, value in summary.items()
    )
    error_cell = f"<pre>{_escape(error)}</pre>" if error else ""
    return (
        f'<tr><td>{name_cell}</td><td>{picture}</td><td class="{status}">{status}</td>'
        f'<td><ul class="summary">{items}</ul></td><td>{error_cell}</td></tr>'
    )


def _relative_link(base: Path, path: str | os.PathLike, what: str, *, must_exist: bool) -> str:
    """Returns ``path`` as a URL-quoted link relative to ``base``; it must lie inside ``base``."""
    base = base.resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base):
        raise ValueError(
            f"{what} = {str(path)!r} lies outside {str(base)!r}; a page can only link files in "
            "its own directory tree. Copy the file there first."
        )
    if must_exist and not target.is_file():
        raise ValueError(f"{what} = {str(path)!r} does not exist under {str(base)!r}.")
    return urllib.parse.quote(target.relative_to(base).as_posix())


def _json_value(value):
    """JSON fallback for config values: numpy/JAX arrays as (nested) lists, the rest as ``str``."""
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return np.asarray(value).tolist()
    return str(value)


def _format_value(value) -> str:
    """Formats a metric for display: 6 significant digits for reals, ``str`` otherwise."""
    if hasattr(value, "dtype") and np.ndim(value) == 0:  # numpy and JAX scalars
        value = np.asarray(value).item()
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return _escape(f"{float(value):.6g}")
    return _escape(str(value))


def _timestamp() -> str:
    """The local time, to the second, with its UTC offset."""
    now = datetime.datetime.now().astimezone()
    return "Generated " + _escape(now.isoformat(sep=" ", timespec="seconds"))


def _escape(text) -> str:
    """Converts ``text`` to ``str`` and escapes it for HTML content and quoted attributes."""
    return html.escape(str(text), quote=True)


def _page(title: str, sections: list[str]) -> bytes:
    """Wraps ``sections`` in a complete UTF-8 HTML document."""
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    ).encode()
