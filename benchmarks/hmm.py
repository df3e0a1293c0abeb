"""HMM inference and Baum-Welch: gen_jax against hmmlearn and dynamax in the same process.

For K in 2..10 states and 50 sequences of 100 steps of 1-D Gaussian data (drawn from a
seeded K-state HMM), each side runs, from the same parameters: the forward pass
(log-likelihood of every sequence), Viterbi, forward-backward (state posteriors) and 5
Baum-Welch iterations. gen_jax uses its pure functions vmapped over sequences (float32,
jitted once) and, for Baum-Welch, ``fit_em`` on the estimator's EM model; hmmlearn its
``score``, ``decode``, ``score_samples`` and ``fit`` (float64, C++ core, a loop over
sequences); dynamax its ``marginal_log_prob``, ``most_likely_states`` and ``smoother``
vmapped and jitted, and its ``fit_em`` (which rebuilds and recompiles its EM step on every
call, as a user meets it). The sides are interleaved (:func:`benchmarks.harness.
time_callables`); ratios are peer time / gen_jax time, so > 1 means gen_jax is faster.

A long-sequence row (one sequence of ``--long-steps`` = 100,000 steps, K = 5) times the
sequential smoother, the associative-scan smoother (:mod:`gen_jax.models.hmm.parallel`,
O(log T) depth, meant for GPUs) and hmmlearn's ``score_samples``, and checks that the two
gen_jax smoothers agree. On a GPU host the same command runs everything on the GPU.

    python -m benchmarks.hmm                    # K in 2 5 10, the long row
    python -m benchmarks.hmm --states 2 5 10 --repeats 10 --skip-long
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.harness import machine_description, time_callables, write_result
from gen_jax.algorithms.em import fit_em
from gen_jax.estimators.hmm import GaussianHMM
from gen_jax.models.hmm.inference import hmm_filter, hmm_smoother, hmm_viterbi
from gen_jax.models.hmm.parallel import parallel_hmm_smoother

# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = (
    "--states", "2", "--sequences", "10", "--steps", "50", "--iterations", "1",
    "--repeats", "1", "--skip-long",
)  # fmt: skip


def _parameters(num_states: int, seed: int):
    rng = np.random.default_rng(seed)
    start = rng.dirichlet(np.full(num_states, 5.0))
    transition = rng.dirichlet(np.ones(num_states), num_states) + 4 * np.eye(num_states)
    transition /= transition.sum(1, keepdims=True)
    means = np.linspace(-2.0 * num_states, 2.0 * num_states, num_states)[:, None]
    covars = rng.uniform(0.5, 1.5, (num_states, 1))
    return start, transition, means, covars


def _data(num_states, num_sequences, num_steps, seed):
    """``(x [N*T, 1] float64, lengths)`` from a seeded K-state Gaussian HMM."""
    from hmmlearn.hmm import GaussianHMM as HmmlearnGaussianHMM

    start, transition, means, covars = _parameters(num_states, seed)
    source = HmmlearnGaussianHMM(num_states, covariance_type="diag", init_params="")
    source.startprob_, source.transmat_, source.means_, source.covars_ = (
        start, transition, means, covars,
    )  # fmt: skip
    x = np.concatenate(
        [source.sample(num_steps, random_state=seed + i)[0] for i in range(num_sequences)]
    )
    return x, np.full(num_sequences, num_steps)


def _start_parameters(num_states, seed):
    """The common starting point: the true parameters with perturbed means."""
    start, transition, means, covars = _parameters(num_states, seed)
    return start, transition, means + 0.7, covars * 1.3


def gen_jax_side(x, lengths, start_params, num_iterations):
    """Jitted callables for the four operations (float32)."""
    model = GaussianHMM(
        len(start_params[0]), covariance_type="diag", n_iter=num_iterations, tol=0.0,
        init_params="",
    )  # fmt: skip
    model.startprob_, model.transmat_, model.means_, model.covars_ = start_params
    x32 = x.astype(np.float32)
    params, data, _, dtype = model._prepare(x32, lengths, fitting=True)
    em = model._model(params, dtype)
    data = jax.device_put(data)
    weights = jnp.ones(len(lengths), dtype)

    def vmapped(fn):
        def run(params, data):
            log_likelihoods = em.log_likelihoods(params, data["x"])
            return jax.vmap(fn, in_axes=(None, None, 0, 0))(
                params.start_probs, params.transition_matrix, log_likelihoods, data["mask"]
            )

        return jax.jit(run)

    forward, viterbi, smoother = vmapped(hmm_filter), vmapped(hmm_viterbi), vmapped(hmm_smoother)
    baum_welch = jax.jit(
        lambda em, data: fit_em(
            em, em.initial, data, weights=weights, tol=0.0, max_iter=num_iterations
        )
    )
    return {
        "forward": lambda: forward(params, data).log_likelihood,
        "viterbi": lambda: viterbi(params, data),
        "forward_backward": lambda: smoother(params, data).smoothed_probs,
        "baum_welch": lambda: baum_welch(em, data).log_likelihood,
    }, forward(params, data).log_likelihood


def hmmlearn_side(x, lengths, start_params, num_iterations):
    from hmmlearn.hmm import GaussianHMM as HmmlearnGaussianHMM

    def fresh():
        model = HmmlearnGaussianHMM(
            len(start_params[0]), covariance_type="diag", n_iter=num_iterations, tol=0.0,
            init_params="",
        )  # fmt: skip
        model.startprob_, model.transmat_, model.means_, model.covars_ = start_params
        return model

    model = fresh()
    return {
        "forward": lambda: model.score(x, lengths),
        "viterbi": lambda: model.decode(x, lengths),
        "forward_backward": lambda: model.score_samples(x, lengths),
        "baum_welch": lambda: fresh().fit(x, lengths),
    }, model.score(x, lengths)


def dynamax_side(x, lengths, start_params, num_iterations):
    from dynamax.hidden_markov_model import DiagonalGaussianHMM

    start, transition, means, covars = start_params
    num_states = len(start)
    emissions = jnp.asarray(x.reshape(len(lengths), -1, 1), jnp.float32)
    hmm = DiagonalGaussianHMM(num_states, 1)
    params, props = hmm.initialize(
        initial_probs=jnp.asarray(start, jnp.float32),
        transition_matrix=jnp.asarray(transition, jnp.float32),
        emission_means=jnp.asarray(means, jnp.float32),
        emission_scale_diags=jnp.asarray(np.sqrt(covars), jnp.float32),
    )
    forward = jax.jit(jax.vmap(hmm.marginal_log_prob, in_axes=(None, 0)))
    viterbi = jax.jit(jax.vmap(hmm.most_likely_states, in_axes=(None, 0)))
    smoother = jax.jit(jax.vmap(hmm.smoother, in_axes=(None, 0)))
    return {
        "forward": lambda: forward(params, emissions),
        "viterbi": lambda: viterbi(params, emissions),
        "forward_backward": lambda: smoother(params, emissions).smoothed_probs,
        "baum_welch": lambda: hmm.fit_em(
            params, props, emissions, num_iters=num_iterations, verbose=False
        )[1],
    }, forward(params, emissions)


def _sync(value):
    return jax.block_until_ready(value)


def run_grid(args) -> list[dict]:
    rows = []
    for num_states in args.states:
        x, lengths = _data(num_states, args.sequences, args.steps, args.seed)
        start_params = _start_parameters(num_states, args.seed)
        sides = {}
        sides["gen_jax"], ours = gen_jax_side(x, lengths, start_params, args.iterations)
        sides["hmmlearn"], theirs = hmmlearn_side(x, lengths, start_params, args.iterations)
        sides["dynamax"], dynamax_ll = dynamax_side(x, lengths, start_params, args.iterations)
        check = {
            "gen_jax_total_log_likelihood": float(np.sum(ours)),
            "hmmlearn_total_log_likelihood": float(theirs),
            "dynamax_total_log_likelihood": float(np.sum(dynamax_ll)),
        }
        for operation in ("forward", "viterbi", "forward_backward", "baum_welch"):
            fns = {side: calls[operation] for side, calls in sides.items()}
            timed = time_callables(
                fns, num_steps=args.repeats, warmup=1, rounds=min(args.repeats, 3),
                syncs={side: _sync for side in fns},
            )  # fmt: skip
            medians = {side: timed[side]["step_ms"]["median"] for side in fns}
            row = {
                "num_states": num_states,
                "operation": operation,
                "median_ms": medians,
                "iqr_ms": {side: timed[side]["step_ms"]["iqr"] for side in fns},
                "ratio_hmmlearn_over_gen_jax": medians["hmmlearn"] / medians["gen_jax"],
                "ratio_dynamax_over_gen_jax": medians["dynamax"] / medians["gen_jax"],
                **check,
            }
            rows.append(row)
            print(
                f"K={num_states:2d} {operation:16s} gen_jax {medians['gen_jax']:8.2f} ms  "
                f"hmmlearn {medians['hmmlearn']:8.2f} ms "
                f"({row['ratio_hmmlearn_over_gen_jax']:5.1f}x)  dynamax "
                f"{medians['dynamax']:9.2f} ms ({row['ratio_dynamax_over_gen_jax']:6.1f}x)",
                flush=True,
            )
    return rows


def run_long(args) -> dict:
    num_states = 5
    x, lengths = _data(num_states, 1, args.long_steps, args.seed)
    start, transition, means, covars = _start_parameters(num_states, args.seed)
    model = GaussianHMM(num_states, covariance_type="diag", init_params="")
    model.startprob_, model.transmat_, model.means_, model.covars_ = (
        start,
        transition,
        means,
        covars,
    )
    params, data, _, dtype = model._prepare(x.astype(np.float32), lengths, fitting=False)
    em = model._model(params, dtype)
    log_likelihoods = jax.device_put(em.log_likelihoods(params, jnp.asarray(data["x"]))[0])
    args_ = (params.start_probs, params.transition_matrix, log_likelihoods)
    sequential, parallel = jax.jit(hmm_smoother), jax.jit(parallel_hmm_smoother)
    # hmmlearn's score_samples returns the posteriors only: the like-for-like side.
    posteriors_only = jax.jit(functools.partial(hmm_smoother, transitions=False))
    compile_s = {}
    for name, fn in (
        ("sequential", sequential),
        ("sequential_posteriors_only", posteriors_only),
        ("parallel", parallel),
    ):
        start_time = time.perf_counter()
        jax.block_until_ready(fn(*args_))
        compile_s[name] = time.perf_counter() - start_time
    a, b = sequential(*args_), parallel(*args_)
    agreement = {
        "max_abs_smoothed_difference": float(jnp.max(jnp.abs(a.smoothed_probs - b.smoothed_probs))),
        "log_likelihood_relative_difference": float(
            abs(a.log_likelihood - b.log_likelihood) / abs(a.log_likelihood)
        ),
    }
    from hmmlearn.hmm import GaussianHMM as HmmlearnGaussianHMM

    peer = HmmlearnGaussianHMM(num_states, covariance_type="diag", init_params="")
    peer.startprob_, peer.transmat_, peer.means_, peer.covars_ = start, transition, means, covars
    timed = time_callables(
        {
            "sequential": lambda: sequential(*args_).smoothed_probs,
            "sequential_posteriors_only": lambda: posteriors_only(*args_).smoothed_probs,
            "parallel": lambda: parallel(*args_).smoothed_probs,
            "hmmlearn": lambda: peer.score_samples(x),
        },
        num_steps=args.repeats, warmup=1, rounds=min(args.repeats, 3),
    )  # fmt: skip
    medians = {side: timed[side]["step_ms"]["median"] for side in timed}
    agreement["hmmlearn_log_likelihood_relative_difference"] = float(
        abs(float(a.log_likelihood) - peer.score(x)) / abs(peer.score(x))
    )
    print(f"long T={args.long_steps}: median ms {medians}; first call s {compile_s}; {agreement}")
    return {
        "num_steps": args.long_steps,
        "num_states": num_states,
        "median_ms": medians,
        "iqr_ms": {side: timed[side]["step_ms"]["iqr"] for side in timed},
        "first_call_s": compile_s,
        **agreement,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--states", type=int, nargs="+", default=[2, 5, 10])
    parser.add_argument("--sequences", type=int, default=50)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--long-steps", type=int, default=100_000)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="hmm")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    machine_before = machine_description()
    rows = run_grid(args)
    long_row = None if args.skip_long else run_long(args)
    payload = {
        "benchmark": "hmm",
        "settings": vars(args),
        "machine": machine_before,
        "load_average_after": machine_description().get("load_average"),
        "rows": rows,
        "long_sequence": long_row,
    }
    print("wrote", write_result(args.name, payload))
    return 0


def summary_rows(result: dict) -> list[dict[str, str]]:
    """Table rows (benchmark contract): milliseconds per operation against hmmlearn/dynamax."""
    rows = []
    for row in result["rows"]:
        median = row["median_ms"]
        peers = [
            f"{name} {median[name]:.2f} ms" for name in ("hmmlearn", "dynamax") if name in median
        ]
        ratio = row.get("ratio_hmmlearn_over_gen_jax")
        rows.append(
            {
                "benchmark": "hmm",
                "case": f"{row['operation']}, {row['num_states']} states",
                "gen_jax": f"{median['gen_jax']:.2f} ms",
                "peer": "; ".join(peers),
                "ratio": "" if ratio is None else f"{ratio:.2f} (hmmlearn time / gen_jax time)",
            }
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
