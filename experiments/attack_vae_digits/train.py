"""Train a digits VAE, attack it (latent, output, PGD, unrestricted) and draw the results."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict
from sklearn.linear_model import LogisticRegression

from gen_jax.algorithms.vae import make_vae_step, observation_mean
from gen_jax.attacks import (
    area_under_success_curve,
    distortion_success_curve,
    feature_network_classifier,
    latent_attack,
    output_attack,
    per_example,
    pgd_latent_attack,
    unrestricted_search,
)
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_split
from gen_jax.eval import digits_feature_network, load_feature_network
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.attacks import save_attack_panels, save_distortion_success_curves

BOX = (0.0, 1.0)
CURVE_NAMES = {
    "latent": "latent attack (lambda sweep)",
    "output": "output attack (lambda sweep)",
    "pgd_linf": "L-inf PGD latent attack (eps sweep)",
}


def build_model(image_shape, *, latent_dim: int, hidden_sizes) -> VAE:
    """The MLP VAE of ``config.model``; the decoder mirrors the encoder."""
    return VAE(
        encoder=MLPEncoder(latent_dim, tuple(hidden_sizes)),
        decoder=MLPDecoder(image_shape, tuple(reversed(hidden_sizes))),
    )


class _TrainedVAE:
    """Per-example and batched encode/decode of the trained VAE (one compile each)."""

    def __init__(self, model: VAE, params, likelihood: str):
        def encode_batch(x):
            return model.apply({"params": params}, x, method=VAE.encode)[0]

        def decode_batch(z):
            output = model.apply({"params": params}, z, method=VAE.decode)
            return observation_mean(output, likelihood)

        self.encode = per_example(encode_batch)
        self.decode = per_example(decode_batch)
        self.encode_batch = jax.jit(encode_batch)
        self.reconstruct_batch = jax.jit(lambda x: decode_batch(encode_batch(x)))

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """Reconstructions of ``images [..., H, W, C]`` through the posterior mean."""
        flat = images.reshape(-1, *images.shape[-3:])
        return np.asarray(self.reconstruct_batch(flat)).reshape(images.shape)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train the VAE, run the attacks, write figures and the report; returns final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, likelihood = config.run.seed, config.loss.likelihood
    train_source, test_source = (
        load_split(config.data, "train", value_range=BOX),
        load_split(config.data, "test", value_range=BOX),
    )
    data = BatchIterator(train_source, config.data.batch_size, seed=seed)
    test = test_source[np.arange(len(test_source))]
    image_shape = test["image"].shape[1:]
    model = build_model(image_shape, **config.model)
    step = make_vae_step(model, optax.adam(**config.optim), **config.loss)
    prior_codes = jax.random.normal(
        jax.random.key(seed + 1), (config.eval.num_prior_samples, config.model.latent_dim)
    )

    @jax.jit
    def decode_codes(params, codes):
        output = model.apply({"params": params}, codes, method=VAE.decode)
        return observation_mean(output, likelihood)

    def sample_hook(done: int, state) -> dict[str, float]:
        images = decode_codes(state.params, prior_codes)
        save_image_grid(samples_dir / f"step_{done:07d}.png", images, num_columns=10)
        return {}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="attack_vae_digits",
        **config.run,
    )
    vae = _TrainedVAE(model, result.state.params, likelihood)
    classifier_path = config.eval.classifier_path
    network = load_feature_network(classifier_path) if classifier_path else digits_feature_network()
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    correct = network.logits(vae.reconstruct(test["image"])).argmax(-1) == test["label"]
    final["clean_reconstruction_accuracy"] = float(correct.mean())
    rng = np.random.default_rng(seed)
    attack = config.attack
    images = _sweeps(attack, workdir, vae, network, test, np.flatnonzero(correct), rng, final)
    images.update(_unrestricted(attack, workdir, vae, network, train_source, test, correct, final))
    images["Samples from N(0, I) after training"] = str(
        samples_dir / f"step_{config.run.num_steps:07d}.png"
    )
    write_report(
        workdir,
        title=f"Attacks on a VAE ({config.data.dataset}, {image_shape[0]}x{image_shape[1]})",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final


def _pairs(attack, test, candidates: np.ndarray, rng: np.random.Generator):
    """``num_pairs`` (reference, target) indices of correctly reconstructed digits of
    different classes."""
    references = rng.permutation(candidates)[: attack.num_pairs]
    targets = []
    for index in references:
        others = candidates[test["label"][candidates] != test["label"][index]]
        targets.append(rng.choice(others))
    return references, np.asarray(targets)


def _sweeps(attack, workdir: Path, vae, network, test, candidates, rng, final) -> dict[str, str]:
    """The three attack sweeps (``attack``: ``config.attack``), their curves and areas, and the
    side-by-side panels."""
    references, targets = _pairs(attack, test, candidates, rng)
    x_ref, x_target = test["image"][references], test["image"][targets]
    target_labels = test["label"][targets]
    penalised = dict(
        num_steps=attack.attack_steps, learning_rate=attack.attack_learning_rate, box=BOX
    )
    weights = np.asarray(attack.penalty_weights, np.float32)
    attacks = {
        "latent": latent_attack(vae.encode, x_ref, x_target, weights, **penalised),
        "pgd_linf": pgd_latent_attack(
            vae.encode,
            x_ref,
            x_target,
            attack.pgd_epsilons,
            norm="linf",
            num_steps=attack.pgd_steps,
            box=BOX,
        ),
    }
    if attack.run_output_attack:
        attacks["output"] = output_attack(
            vae.encode, vae.decode, x_ref, x_target, weights, **penalised
        )
    max_distortion = float(
        np.linalg.norm((x_target - x_ref).reshape(len(x_ref), -1), axis=1).mean()
    )
    final["max_distortion"] = max_distortion
    curves, record = {}, {}
    for short, result in attacks.items():
        reconstructions = vae.reconstruct(np.asarray(result.adversarial))
        predicted = network.logits(reconstructions.reshape(-1, *x_ref.shape[1:])).argmax(-1)
        success = predicted.reshape(reconstructions.shape[:2]) == target_labels
        distortions, rates = distortion_success_curve(result.l2_distortion, success)
        area = area_under_success_curve(distortions, rates, max_distortion=max_distortion)
        curves[CURVE_NAMES[short]] = (distortions, rates, area)
        final[f"{short}_area"] = area
        final[f"{short}_best_success"] = float(rates.max())
        record[short] = {
            "mean_l2_distortion": distortions.tolist(),
            "success_rate": rates.tolist(),
            "mean_code_or_output_distance": np.asarray(result.feature_distance)
            .mean(axis=1)
            .tolist(),
        }
        if short == "latent":
            panel_path = _latent_panels(
                attack, workdir, vae, result, success, x_ref, x_target, test, references, targets
            )
    (workdir / "attack_sweeps.json").write_text(json.dumps(record, indent=1))
    curve_path = save_distortion_success_curves(
        workdir / "distortion_success.png", curves, max_distortion=max_distortion
    )
    return {
        "Distortion-success curves; areas normalised by D_max = mean ||x_t - x_r||": str(
            curve_path
        ),
        "Reference, adversarial input, target and their reconstructions (latent attack, "
        "the largest lambda of best success)": str(panel_path),
    }


def _latent_panels(attack, workdir, vae, result, success, x_ref, x_target, test, refs, targets):
    """Side-by-side rows for the largest penalty weight that reaches the best success."""
    rates = success.mean(axis=1)
    level = int(np.flatnonzero(rates == rates.max()).max())
    rows = slice(0, attack.num_panel_rows)
    adversarial = np.asarray(result.adversarial[level])[rows]
    adversarial_reconstruction = vae.reconstruct(adversarial)
    columns = {
        "reference": x_ref[rows],
        "adversarial": adversarial,
        "target": x_target[rows],
        "rec(reference)": vae.reconstruct(x_ref[rows]),
        "rec(adversarial)": adversarial_reconstruction,
        "rec(target)": vae.reconstruct(x_target[rows]),
    }
    labels = [
        f"{test['label'][r]}->{test['label'][t]} {'ok' if won else 'fail'}"
        for r, t, won in zip(refs[rows], targets[rows], success[level, rows], strict=True)
    ]
    return save_attack_panels(workdir / "attack_panels.png", columns, row_labels=labels)


def _logistic_classifier(attack, train_source):
    """An independent classifier: multinomial logistic regression on the training pixels."""
    count = min(len(train_source), attack.logistic_examples)
    train = train_source[np.arange(count)]
    fitted = LogisticRegression(max_iter=attack.logistic_max_iter)
    fitted.fit(train["image"].reshape(count, -1), train["label"])
    weights = jnp.asarray(fitted.coef_, jnp.float32)
    bias = jnp.asarray(fitted.intercept_, jnp.float32)

    def logits(x):
        return weights @ x.reshape(-1) + bias

    return fitted, logits


def _unrestricted(attack, workdir, vae, network, train_source, test, correct, final):
    """Song et al.'s search from the codes of correctly reconstructed test digits."""
    fitted, source_classify = _logistic_classifier(attack, train_source)
    flat_test = test["image"].reshape(len(test["image"]), -1)
    final["logistic_test_accuracy"] = float(fitted.score(flat_test, test["label"]))
    agrees = correct & (fitted.predict(flat_test) == test["label"])
    starts = np.flatnonzero(agrees)[: attack.num_starts]
    source_labels = test["label"][starts]
    target_labels = (source_labels + 1) % 10
    start_codes = np.asarray(vae.encode_batch(test["image"][starts]))
    found = unrestricted_search(
        vae.decode,
        feature_network_classifier(network),
        start_codes,
        target_labels,
        source_classify=source_classify,
        source_labels=source_labels,
        **attack.unrestricted,
    )
    final["unrestricted_success_rate"] = float(np.mean(found.success))
    final["unrestricted_target_rate"] = float(np.mean(found.predicted == target_labels))
    final["unrestricted_mean_code_shift"] = float(np.mean(found.code_shift))
    rows = slice(0, attack.num_panel_rows)
    columns = {
        "test digit": test["image"][starts][rows],
        "G(z_0)": vae.reconstruct(test["image"][starts][rows]),
        "G(z) found": np.asarray(found.samples)[rows],
    }
    labels = [
        f"{s}->{t}: f={p} c={c}"
        for s, t, p, c in zip(
            source_labels[rows],
            target_labels[rows],
            np.asarray(found.predicted)[rows],
            np.asarray(found.source_predicted)[rows],
            strict=True,
        )
    ]
    path = save_attack_panels(workdir / "unrestricted.png", columns, row_labels=labels)
    return {
        "Unrestricted search (Song et al.): source -> target, f = attacked CNN, "
        "c = independent logistic regression": str(path)
    }
