"""Generate casino rolls, fit a two-state CategoricalHMM, decode and plot against the truth."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.core.atomic import save_figure_png
from gen_jax.core.record import record_fit
from gen_jax.estimators.hmm import CategoricalHMM
from gen_jax.models.hmm.em import CategoricalEmissionParams, HMMParams, sample_categorical_emissions
from gen_jax.models.hmm.inference import sample_markov_chain
from gen_jax.viz import write_report


def true_casino(data: ConfigDict) -> CategoricalHMM:
    """The generating model (``config.data``): state 0 a fair die, state 1 a loaded one."""
    loaded = np.full(6, (1 - data.loaded_six_probability) / 5)
    loaded[5] = data.loaded_six_probability
    model = CategoricalHMM(2, n_features=6)
    model.startprob_ = np.asarray(data.true_startprob, np.float64)
    model.transmat_ = np.asarray(data.true_transmat, np.float64)
    model.emissionprob_ = np.stack([np.full(6, 1 / 6), loaded])
    return model


@functools.partial(jax.jit, static_argnums=(2,))
def _sample_sequences(params: HMMParams, keys: jax.Array, num_steps: int):
    """``(dice, rolls)``, each ``[len(keys), num_steps]``: one sequence per key."""

    def one(key):
        chain_key, roll_key = jax.random.split(key)
        dice = sample_markov_chain(
            params.start_probs, params.transition_matrix, num_steps, key=chain_key
        )
        return dice, sample_categorical_emissions(params.emission, dice, key=roll_key)

    return jax.vmap(one)(keys)


def generate(model: CategoricalHMM, num_sequences: int, mean_length: int, key: jax.Array):
    """``(rolls [n, 1], dice [n], lengths)``: sequences with lengths uniform in
    ``[mean/2, 3 mean/2]``, all drawn in one compiled call and cut to length."""
    length_key, sequence_key = jax.random.split(key)
    lengths = np.asarray(
        jax.random.randint(length_key, (num_sequences,), mean_length // 2, 3 * mean_length // 2)
    )
    params = HMMParams(
        jnp.asarray(model.startprob_, jnp.float32),
        jnp.asarray(model.transmat_, jnp.float32),
        CategoricalEmissionParams(jnp.asarray(model.emissionprob_, jnp.float32)),
    )
    keys = jax.random.split(sequence_key, num_sequences)
    dice, rolls = jax.device_get(_sample_sequences(params, keys, 3 * mean_length // 2))
    keep = np.arange(dice.shape[1])[None, :] < lengths[:, None]
    return rolls[keep][:, None], dice[keep], lengths


def _align(model: CategoricalHMM) -> CategoricalHMM:
    """Relabel the states so that state 1 is the one more likely to roll a six."""
    if model.emissionprob_[0, 5] > model.emissionprob_[1, 5]:
        order = np.array([1, 0])
        model.startprob_ = model.startprob_[order]
        model.transmat_ = model.transmat_[np.ix_(order, order)]
        model.emissionprob_ = model.emissionprob_[order]
    return model


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Fit, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    data, seed = config.data, config.run.seed
    truth = true_casino(data)
    train_key, test_key, sample_key = jax.random.split(jax.random.key(seed), 3)
    rolls, dice, lengths = generate(truth, data.num_sequences, data.mean_length, train_key)
    test_rolls, _, test_lengths = generate(
        truth, data.num_test_sequences, data.mean_length, test_key
    )
    initial_transmat = config.optim.initial_transmat
    model = CategoricalHMM(
        **config.model,
        n_iter=config.run.num_steps,
        init_params="ste" if initial_transmat is None else "se",
        random_state=seed,
    )
    if initial_transmat is not None:
        model.transmat_ = np.asarray(initial_transmat, np.float64)
    start = time.perf_counter()
    model.fit(rolls, lengths)
    fit_seconds = time.perf_counter() - start
    _align(model)

    per_roll = model.log_likelihood_history_ / len(rolls)
    record_fit(
        workdir,
        history={"log_likelihood_per_roll": per_roll},
        state={name: getattr(model, name) for name in ("startprob_", "transmat_", "emissionprob_")},
        step=model.n_iter_,
        meta={"n_iter": model.n_iter_, "converged": model.converged_, "seed": seed},
    )

    decoded = model.predict(rolls, lengths)
    loaded_posterior = model.predict_proba(rolls, lengths)[:, 1]
    true_decoded = truth.predict(rolls, lengths)
    num_generated = config.eval.num_generated
    generated, generated_dice = model.sample(num_generated, key=sample_key)
    images = {
        "The die used (grey band: loaded), the Viterbi path of the fitted model and the "
        "posterior P(loaded | rolls), first sequence": _plot_decoding(
            workdir / "decoding.png", rolls, dice, decoded, loaded_posterior, config.eval.plot_rolls
        ),
        "Rolls sampled from the fitted model, with the die it used": _plot_decoding(
            workdir / "samples" / "samples.png",
            generated,
            generated_dice,
            None,
            None,
            num_generated,
        ),
        "Fitted and true parameters": _plot_parameters(workdir / "parameters.png", model, truth),
    }
    final = {
        "log_likelihood_per_roll": per_roll[-1],
        "n_iter": model.n_iter_,
        "converged": int(model.converged_),
        "test_log_likelihood_per_roll": model.score(test_rolls, test_lengths) / len(test_rolls),
        "true_model_test_log_likelihood_per_roll": truth.score(test_rolls, test_lengths)
        / len(test_rolls),
        "viterbi_accuracy": np.mean(decoded == dice),
        "true_model_viterbi_accuracy": np.mean(true_decoded == dice),
        "fitted_p_six_loaded": model.emissionprob_[1, 5],
        "fitted_p_fair_to_loaded": model.transmat_[0, 1],
        "fitted_p_loaded_to_fair": model.transmat_[1, 0],
        "fit_seconds": fit_seconds,
    }
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title="Occasionally dishonest casino: two-state categorical HMM",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final


# One colour per meaning, across both figures.
COLOURS = {
    "loaded die": "0.85",
    "roll": "k",
    "posterior": "tab:blue",
    "viterbi": "tab:orange",
    "fair": "tab:green",
    "loaded": "tab:red",
    "fitted": "tab:purple",
    "true": "k",
}


def _plot_decoding(path, rolls, dice, decoded, posterior, num_rolls) -> Path:
    """Rolls over the die used (top, axis "face"); with a fit, P(loaded | rolls) and the
    Viterbi path on their own probability axis below."""
    steps = np.arange(min(num_rolls, len(rolls)))
    loaded = dice[steps] == 1
    panels = 1 if decoded is None else 2
    figure = Figure(figsize=(11, 2.4 + 1.6 * (panels - 1)))
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    faces = axes[0]
    faces.fill_between(
        steps, 0, 7, where=loaded, color=COLOURS["loaded die"], step="mid", label="loaded die used"
    )
    faces.plot(steps, rolls[steps, 0] + 1, ".", color=COLOURS["roll"], markersize=3, label="roll")
    faces.set(ylabel="face", ylim=(0, 7.2), yticks=range(1, 7), xlim=(0, steps[-1]))
    faces.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    if decoded is not None:
        probability = axes[1]
        probability.fill_between(
            steps,
            0,
            1.05,
            where=loaded,
            color=COLOURS["loaded die"],
            step="mid",
            label="loaded die used",
        )
        probability.plot(
            steps, posterior[steps], color=COLOURS["posterior"], lw=0.9, label="P(loaded | rolls)"
        )
        probability.step(
            steps,
            decoded[steps],
            where="mid",
            color=COLOURS["viterbi"],
            lw=1.2,
            label="Viterbi path (1 = loaded)",
        )
        probability.set(ylabel="P(loaded)", ylim=(-0.05, 1.05), yticks=(0, 0.5, 1))
        probability.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    axes[-1].set(xlabel="roll")
    figure.tight_layout()
    return save_figure_png(path, figure)


def _plot_parameters(path, model, truth) -> Path:
    figure = Figure(figsize=(8, 3))
    axes = figure.subplots(1, 2)
    faces = np.arange(1, 7)
    for state, name in enumerate(("fair", "loaded")):
        axes[0].bar(
            faces + 0.2 * (2 * state - 1),
            model.emissionprob_[state],
            0.4,
            label=f"{name}, fitted",
            color=COLOURS[name],
        )
        axes[0].step(
            faces,
            truth.emissionprob_[state],
            where="mid",
            color=COLOURS["true"],
            lw=0.8,
            label="true" if state else None,
        )
    axes[0].set(title="P(face | die): fitted bars, true lines", xlabel="face", ylabel="probability")
    axes[0].legend(fontsize=7)
    labels = ["fair→fair", "fair→loaded", "loaded→fair", "loaded→loaded"]
    axes[1].bar(
        np.arange(4) - 0.2, model.transmat_.ravel(), 0.4, label="fitted", color=COLOURS["fitted"]
    )
    axes[1].bar(
        np.arange(4) + 0.2,
        truth.transmat_.ravel(),
        0.4,
        label="true",
        color="white",
        edgecolor=COLOURS["true"],
    )
    axes[1].set_xticks(np.arange(4), labels, fontsize=7)
    axes[1].set(title="transition probabilities", ylabel="probability")
    axes[1].legend(fontsize=7)
    figure.tight_layout()
    return save_figure_png(path, figure)
