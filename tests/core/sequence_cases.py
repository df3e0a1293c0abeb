"""Step-contract cases of the sequence models: Baum-Welch and inside-outside EM Steps."""

import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.em import make_em_step
from gen_jax.estimators.pcfg import PCFG
from gen_jax.models.hmm.em import (
    GaussianEmissionParams,
    GaussianEmissions,
    HiddenMarkovEM,
    HMMParams,
)
from gen_jax.models.pcfg.em import PCFGInsideOutsideEM


def em_hmm_step(num_states=3):
    """Baum-Welch on padded sequences (Gaussian HMM, diagonal covariances)."""
    initial = HMMParams(
        start_probs=jnp.full((num_states,), 1.0 / num_states, jnp.float32),
        transition_matrix=jnp.full((num_states, num_states), 0.1, jnp.float32)
        + 0.7 * jnp.eye(num_states, dtype=jnp.float32),
        emission=GaussianEmissionParams(
            means=jnp.array([[-2.0, 0.0], [0.0, 1.0], [2.0, 0.0]], jnp.float32),
            covariances=jnp.ones((num_states, 2), jnp.float32),
            precisions_cholesky=jnp.ones((num_states, 2), jnp.float32),
        ),
    )
    model = HiddenMarkovEM(
        emissions=GaussianEmissions(
            means_prior=jnp.zeros((), jnp.float32),
            means_weight=jnp.zeros((), jnp.float32),
            covars_prior=jnp.asarray(1e-2, jnp.float32),
            covars_weight=jnp.ones((), jnp.float32),
            covariance_type="diag",
        ),
        initial=initial,
        startprob_prior=jnp.ones(num_states, jnp.float32),
        transmat_prior=jnp.ones((num_states, num_states), jnp.float32),
        learn="stmc",
    )
    return make_em_step(model, lambda key, data: model.initial)


def sequence_batch(num_sequences=16, num_steps=12, seed=0):
    """Padded 2-D sequences of lengths 4..num_steps with their mask."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, num_steps + 1, num_sequences)
    mask = np.arange(num_steps)[None] < lengths[:, None]
    x = rng.normal(size=(num_sequences, num_steps, 2)).astype(np.float32) * mask[..., None]
    return {"x": {"x": x, "mask": mask}}


_GRAMMAR = """
S -> A B [0.6] | A [0.4]
A -> 'a' [0.7] | A A [0.3]
B -> 'b' [1.0]
"""


def em_pcfg_step_and_batch():
    """Inside-outside EM on 16 short sentences of a three-symbol grammar."""
    grammar = PCFG.from_string(_GRAMMAR)
    model = PCFGInsideOutsideEM(grammar.compiled, pseudo_count=0.01)
    tokens, lengths, _ = grammar.encode(["a b", "a", "a a b", "a a"] * 4)
    step = make_em_step(model, lambda key, data: grammar.params())
    return step, {"x": {"tokens": tokens, "lengths": lengths}}
