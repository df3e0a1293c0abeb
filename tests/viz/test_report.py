"""Tests for gen_jax.viz.report: report.html of one run and index.html of many."""

import html.parser
import json

import numpy as np
import pytest

from gen_jax.viz import save_image_grid, write_index, write_report
from gen_jax.viz.report import rewrite_report


class _Page(html.parser.HTMLParser):
    """Collects the tags, attributes and text of a page, and any external resource."""

    def __init__(self, text):
        super().__init__()
        self.images, self.links, self.tags, self.text = [], [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attrs)
        if tag == "a":
            self.links.append(attrs["href"])

    def handle_data(self, data):
        self.text.append(data)

    @property
    def all_text(self):
        return "".join(self.text)


@pytest.fixture
def workdir(tmp_path):
    run = tmp_path / "vae"
    records = [{"step": step, "loss": 10.0 / (step + 1), "kl": 0.1 * step} for step in range(20)]
    lines = [json.dumps(record) for record in records]
    (run / "samples").mkdir(parents=True)
    (run / "metrics.jsonl").write_text("\n".join(lines) + '\n{"step": 20, "lo', encoding="utf-8")
    save_image_grid(run / "samples" / "step 19.png", np.zeros((4, 8, 8, 1)))
    save_image_grid(run / "recon.png", np.ones((4, 8, 8, 1)))
    return run


def test_report_shows_title_metrics_curves_images_and_config(workdir):
    config = {"model": {"latent_dim": 2, "hidden": (32, 64)}, "lr": 5e-4, "note": "<b>&"}
    path = write_report(
        workdir,
        title="VAE <digits> & co",
        config=config,
        images={
            "Samples at step 19": "samples/step 19.png",
            "Reconstructions <test>": workdir / "recon.png",
        },
    )
    assert path == workdir / "report.html"
    text = path.read_text(encoding="utf-8")
    page = _Page(text)
    assert "VAE &lt;digits&gt; &amp; co" in text and "<digits>" not in text
    assert "<b>&" not in text and "&lt;b&gt;&amp;" in text
    assert "Generated " in page.all_text
    # Final metrics default to the last complete record; the truncated line is ignored.
    assert "0.5" in page.all_text and "1.9" in page.all_text
    assert '"latent_dim": 2' in page.all_text and '"lr": 0.0005' in page.all_text
    sources = [image["src"] for image in page.images]
    assert sources == ["samples/step%2019.png", "recon.png", "curves.png"]  # pictures lead
    assert [image["alt"] for image in page.images][1] == "Reconstructions <test>"
    assert (workdir / "curves.png").stat().st_size > 5000
    assert "script" not in page.tags and "http" not in text
    assert not list(workdir.glob("*.tmp"))


def test_report_with_given_final_metrics_and_without_curves(workdir):
    jnp = pytest.importorskip("jax.numpy")
    final = {"fid": jnp.float32(12.3456789), "accuracy": np.float64(0.25), "epochs": 3}
    text = write_report(workdir, title="t", config={}, final_metrics=final, curves=False).read_text(
        encoding="utf-8"
    )
    page = _Page(text)
    assert "12.3457" in page.all_text and "0.25" in page.all_text and "epochs" in page.all_text
    assert not page.images and not (workdir / "curves.png").exists()


def test_report_without_metrics_file(tmp_path):
    text = write_report(tmp_path / "new", title="empty", config={"a": 1}).read_text()
    assert "No metrics were recorded." in text and "<img" not in text


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"images": {"x": "missing.png"}}, ValueError, r"images\['x'\] = 'missing.png' does not"),
        ({"images": {"x": "../outside.png"}}, ValueError, "lies outside"),
        ({"metrics_path": "nowhere.jsonl"}, ValueError, "metrics_path 'nowhere.jsonl' does not"),
        ({"config": [1, 2]}, TypeError, r"config must be a mapping.*to_dict\(\)"),
        ({"title": None}, TypeError, "title must be a string"),
        ({"images": ["a.png"]}, TypeError, "images must be a mapping"),
    ],
)
def test_report_rejects_bad_input(workdir, kwargs, error, match):
    (workdir.parent / "outside.png").write_bytes(b"")
    kwargs = {"title": "t", "config": {}, **kwargs}
    with pytest.raises(error, match=match):
        write_report(workdir, **kwargs)


def test_index_links_reports_and_shows_failures(tmp_path):
    entries = [
        {
            "name": "vae_digits",
            "report": "vae_digits/report.html",
            "summary": {"loss": 0.123456789, "steps": 200},
            "status": "ok",
            "error": None,
        },
        {
            "name": "gan <camel>",
            "report": tmp_path / "gan camel" / "report.html",
            "summary": {},
            "status": "failed",
            "error": "FloatingPointError: loss is nan at step 7 <here>",
        },
        {"name": "hmm", "status": "failed", "error": "ImportError: no hmmlearn"},
    ]
    path = write_index(tmp_path, entries)
    assert path == tmp_path / "index.html"
    text = path.read_text(encoding="utf-8")
    page = _Page(text)
    assert page.links == ["vae_digits/report.html", "gan%20camel/report.html"]
    assert "0.123457" in page.all_text and "steps: 200" in page.all_text
    assert "gan &lt;camel&gt;" in text
    assert "FloatingPointError: loss is nan at step 7 <here>" in page.all_text
    assert "ImportError: no hmmlearn" in page.all_text
    assert page.all_text.count("failed") >= 2 and "3 runs: 1 ok, 2 failed" in page.all_text


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ({"name": "a", "status": "done"}, r"entries\[0\]\['status'\] must be one of"),
        ({"status": "ok"}, r"entries\[0\]\['name'\] must be a non-empty string"),
        ({"name": "a", "status": "ok", "sumary": {}}, r"unknown keys \['sumary'\]"),
        ({"name": "a", "status": "ok", "summary": 3}, r"\['summary'\] must be a mapping"),
        ({"name": "a", "status": "failed", "error": 3}, r"\['error'\] must be a string"),
        ({"name": "a", "status": "ok", "report": "/elsewhere/r.html"}, "lies outside"),
        ("a", r"entries\[0\] must be a mapping"),
    ],
)
def test_index_rejects_bad_entries(tmp_path, entry, match):
    with pytest.raises(ValueError, match=match):
        write_index(tmp_path, [entry])
    assert not (tmp_path / "index.html").exists()


def test_report_shows_sample_quality_and_renders_again_from_report_json(workdir):
    quality = {
        "scores": {"frechet_distance": 1.25},
        "unavailable": {"kid_mean": "needs 50 samples; got 16"},
        "protocol": {"num_samples": 16, "reference": "digits <test>"},
    }
    (workdir / "sample_quality.json").write_text(json.dumps(quality))
    write_report(
        workdir,
        title="VAE",
        config={"lr": np.float32(0.5)},
        final_metrics={"loss": np.float64(2.5)},
        images={"Samples": "samples/step 19.png"},
    )
    text = _Page((workdir / "report.html").read_text()).all_text
    assert "Sample quality" in text and "1.25" in text and "needs 50 samples; got 16" in text
    assert "digits <test>" in text  # escaped in the page, shown as text
    quality["scores"]["frechet_distance"] = 7.5
    (workdir / "sample_quality.json").write_text(json.dumps(quality))
    (workdir / "report.html").unlink()
    rewrite_report(workdir)
    page = _Page((workdir / "report.html").read_text())
    assert "7.5" in page.all_text and "2.5" in page.all_text and "1.25" not in page.all_text
    assert [image["src"] for image in page.images] == ["samples/step%2019.png", "curves.png"]
    with pytest.raises(FileNotFoundError, match="report.json does not exist"):
        rewrite_report(workdir / "elsewhere")
