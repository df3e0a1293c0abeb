"""Adversarial attacks on a digits VAE: latent, output and PGD attacks, and unrestricted samples.

A small MLP VAE (Bernoulli decoder, the VAE-family Step ``make_elbo_step``) is trained on
digits; then, on pairs (reference, target) of test digits of different classes whose
reconstructions the bundled digits CNN classifies correctly:

- the latent attack of Tabacof et al. (2016): ``min_d ||mu(x_r + d) - mu(x_t)||^2 +
  lambda ||d||_2^2`` with ``x_r + d`` in ``[0, 1]``, projected Adam, vmapped over a sweep of
  ``lambda`` and over the pairs;
- the output attack (match ``dec(mu(x_r + d))`` to ``dec(mu(x_t))``) over the same sweep;
- the L-infinity PGD latent attack over a sweep of budgets ``eps``.

An attack succeeds on a pair when the classifier labels the reconstruction of the
adversarial input as the target's class. Each sweep gives a distortion-success curve
(mean ``||d||_2`` against success rate) and its normalised area over ``[0, D_max]``,
``D_max`` the mean ``||x_t - x_r||_2`` (see ``gen_jax.attacks.success``). Finally the
unrestricted search of Song et al. (2018) moves decoder codes, started at the codes of
test digits, until the CNN reads the next class (``(y + 1) mod 10``) while the codes stay
within ``attack.unrestricted.radius`` per coordinate and an independent classifier
(multinomial logistic regression fitted with scikit-learn on the training pixels) still
reads the source class.

Command:
    gen-jax run attack_vae_digits                 # the demo variant
    gen-jax run attack_vae_digits:full --workdir runs/attack_mnist  # MNIST in TFDS_DATA_DIR

Variants:
    tiny: a few steps with tiny widths on 8x8 digits; seconds (tests).
    demo: scikit-learn's 8x8 digits (the bundled CNN's resolution), MLP VAE 64-256-8,
        3,000 steps, 24 attack pairs, 9 penalty weights and 7 budgets of 500/200 steps.
    full: MNIST 28x28, MLP VAE 784-512-20, 50 epochs at batch 128; the attacks as in the
        demo with 100 pairs (the survey gives no attack hyperparameters; the bundled 8x8
        CNN judges the resized reconstructions; pass --config.eval.classifier_path for a
        MNIST-trained FeatureNetwork).

Expected result (demo, measured: 98 s wall, 25 s CPU, on a shared 2-core CPU): train ELBO
-24.3 nats per 8x8 digit (KL 3.5); the CNN labels 90 % of the test reconstructions
correctly. Over 24 pairs (D_max = mean ||x_t - x_r||_2 = 3.06) the latent attack succeeds
on 100 % of pairs for lambda <= 0.1 (mean ||d||_2 = 2.15), 54 % at lambda = 1 (1.29) and
4 % at lambda = 10 (0.32): area 0.60; the output attack is similar (area 0.64); the
L-inf PGD latent attack needs eps = 0.5 (||d||_2 = 2.6) for 100 % and 62 % at eps = 0.3:
area 0.50. So on this small VAE an attack that flips the decoded class must move the input
most of the way to the target, in line with the roughly linear distortion trade-off that
Gondim-Ribeiro et al. (2018) report for VAEs. The unrestricted search (radius 1.0,
300 Adam steps) reaches the target class for 40 % of 20 starts and 20 % also keep the
logistic regression's source label (test accuracy 95 %); the mean code shift is 0.96.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"attack_vae_digits has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(latent_dim=8, hidden_sizes=(256,))
    config.loss = dict(likelihood="bernoulli")
    config.optim = dict(learning_rate=1e-3)
    config.data = dict(dataset="digits", data_dir="", image_size=8, batch_size=64)
    config.run = dict(
        seed=0,
        num_steps=3000,
        log_every=100,
        sample_every=1000,
        checkpoint_every=1000,
        keep_checkpoints=2,
    )
    config.eval = dict(num_prior_samples=30, classifier_path="")  # "": the bundled digits CNN
    # The attacks: pairs, the penalised attacks' sweep and optimiser, the PGD budgets, the
    # panels, and the unrestricted search (its options go whole to unrestricted_search)
    # with its independent logistic-regression classifier.
    config.attack = dict(
        num_pairs=24,
        penalty_weights=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0),
        run_output_attack=True,
        attack_steps=500,
        attack_learning_rate=0.02,
        pgd_epsilons=(0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5),
        pgd_steps=200,
        num_panel_rows=6,
        num_starts=20,
        unrestricted=dict(
            radius=1.0, radius_weight=50.0, source_weight=0.5, num_steps=300, learning_rate=0.05
        ),
        logistic_max_iter=500,
        logistic_examples=10_000,
    )
    if variant == "tiny":
        config.model.update(latent_dim=2, hidden_sizes=(16,))
        config.data.batch_size = 16
        config.run.update(num_steps=2, log_every=1, sample_every=2, checkpoint_every=2)
        config.eval.num_prior_samples = 4
        config.attack.update(
            num_pairs=3,
            penalty_weights=(0.01, 1.0),
            run_output_attack=False,  # unit-tested; saves a compilation here
            attack_steps=5,
            pgd_epsilons=(0.1, 0.3),
            pgd_steps=5,
            num_panel_rows=2,
            num_starts=3,
            logistic_examples=300,
        )
        config.attack.unrestricted.num_steps = 5
    elif variant == "full":
        config.data.update(dataset="mnist", image_size=28, batch_size=128)
        config.model.update(latent_dim=20, hidden_sizes=(512,))
        config.run.update(
            num_steps=50 * 60_000 // 128,
            log_every=500,
            sample_every=5000,
            checkpoint_every=5000,
            keep_checkpoints=3,
        )
        config.attack.update(num_pairs=100, num_starts=100)
    return config
