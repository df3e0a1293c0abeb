"""SubPixelConvTranspose equals flax's "SAME" ConvTranspose, values and gradients."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.layers import SubPixelConvTranspose


@pytest.mark.parametrize("kernel_size, stride, size", [(3, 2, 7), (3, 1, 5), (4, 2, 4), (3, 3, 4)])
def test_equals_flax_conv_transpose(kernel_size, stride, size):
    x = jax.random.normal(jax.random.key(0), (2, size, size + 1, 3))
    ours = SubPixelConvTranspose(4, kernel_size, stride)
    params = ours.init(jax.random.key(1), x)
    reference = nn.ConvTranspose(
        4, (kernel_size, kernel_size), strides=(stride, stride), padding="SAME"
    )
    assert jax.tree.map(jnp.shape, params) == jax.tree.map(
        jnp.shape, reference.init(jax.random.key(1), x)
    )
    params = jax.tree.map(lambda p: p + 0.1, params)  # a non-zero bias too

    def loss(module, p, inputs):
        return jnp.sum(jnp.sin(module.apply(p, inputs)))

    y_ours, y_ref = ours.apply(params, x), reference.apply(params, x)
    assert y_ours.shape == (2, size * stride, (size + 1) * stride, 4)
    np.testing.assert_allclose(y_ours, y_ref, rtol=1e-5, atol=1e-5)
    grads_ours = jax.grad(loss, argnums=(1, 2))(ours, params, x)
    grads_ref = jax.grad(loss, argnums=(1, 2))(reference, params, x)
    for a, b in zip(jax.tree.leaves(grads_ours), jax.tree.leaves(grads_ref), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
