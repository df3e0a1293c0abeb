"""PyTorch twins of gen_jax's book GANs, for :mod:`benchmarks.gan_step`.

:class:`TorchCamelGenerator` / :class:`TorchCamelDiscriminator` mirror
:mod:`gen_jax.models.gans.dcgan` (Foster 2019, Listings 4.2-4.3) and :class:`TorchFacesGenerator`
/ :class:`TorchFacesCritic` mirror :mod:`gen_jax.models.gans.wgan_gp`, layer for layer: the
"same" padding layers of :mod:`benchmarks.vae_step` reproduce XLA's padding, BatchNorm
uses Keras' epsilon 1e-3 and momentum ``1 - 0.9``, and the feature maps are put back in
channels-last order before each flatten (and after each reshape), so a Dense kernel copies
over as its transpose. :func:`load_flax_variables` copies a gen_jax variables tree (or a
gradient tree, with :func:`flax_to_torch`) into the twin.

:class:`TorchGanStep` is one training iteration as ``make_gan_step`` runs it: ``num_critic_steps``
critic updates on the same real batch with fresh noise (plus the gradient penalty on random
interpolates when ``gp_weight > 0``), then one generator update through a frozen critic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.vae_step import SameConv2d, SameConvTranspose2d
from gen_jax.models.gans.dcgan import KERAS_BATCH_NORM_EPSILON

TORCH_MOMENTUM = 1.0 - 0.9  # PyTorch weighs the new batch statistic; Keras/Flax the old


def _channels_last_flatten(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1).flatten(1)


def _from_channels_last(x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    height, width, channels = shape
    return x.view(-1, height, width, channels).permute(0, 3, 1, 2)


class _Twin(nn.Module):
    """A module that lists ``(flax path, torch layer, kind)`` for weight copying."""

    def flax_layers(self) -> list[tuple[tuple[str, ...], nn.Module, str]]:
        raise NotImplementedError


class TorchCamelDiscriminator(_Twin):
    def __init__(self, filters=(64, 64, 128, 128), strides=(2, 2, 2, 1), dropout_rate=0.4):
        super().__init__()
        channels, size, self.convs = 1, 28, nn.ModuleList()
        for width, stride in zip(filters, strides, strict=True):
            self.convs.append(SameConv2d(channels, width, 5, stride))
            channels, size = width, -(-size // stride)
        self.dropout = nn.Dropout(dropout_rate)
        self.dense = nn.Linear(channels * size * size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = self.dropout(F.relu(conv(x)))
        return self.dense(_channels_last_flatten(x))

    def flax_layers(self):
        layers = [((f"Conv_{i}",), conv, "conv") for i, conv in enumerate(self.convs)]
        return [*layers, (("Dense_0",), self.dense, "dense")]


class TorchCamelGenerator(_Twin):
    def __init__(self, initial_shape=(7, 7, 64), filters=(128, 64, 64, 1), upsample=(2, 2, 1, 1)):
        super().__init__()
        self.initial_shape = initial_shape
        self.dense = nn.Linear(100, int(np.prod(initial_shape)))
        self.norms = nn.ModuleList(
            [nn.BatchNorm1d(self.dense.out_features, KERAS_BATCH_NORM_EPSILON, TORCH_MOMENTUM)]
        )
        self.upsample = tuple(upsample)
        self.convs = nn.ModuleList()
        channels = initial_shape[-1]
        for index, (width, factor) in enumerate(zip(filters, upsample, strict=True)):
            layer = SameConv2d if factor == 2 else SameConvTranspose2d
            self.convs.append(layer(channels, width, 5, 1))
            if index < len(filters) - 1:
                self.norms.append(nn.BatchNorm2d(width, KERAS_BATCH_NORM_EPSILON, TORCH_MOMENTUM))
            channels = width

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = _from_channels_last(F.relu(self.norms[0](self.dense(z))), self.initial_shape)
        for index, (conv, factor) in enumerate(zip(self.convs, self.upsample, strict=True)):
            if factor == 2:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = conv(x)
            if index + 1 < len(self.norms):
                x = F.relu(self.norms[index + 1](x))
        return torch.tanh(x)

    def flax_layers(self):
        layers = [(("Dense_0",), self.dense, "dense")]
        layers += [((f"BatchNorm_{i}",), norm, "norm") for i, norm in enumerate(self.norms)]
        num_conv = num_transpose = 0
        for conv, factor in zip(self.convs, self.upsample, strict=True):
            if factor == 2:
                layers.append(((f"Conv_{num_conv}",), conv, "conv"))
                num_conv += 1
            else:
                layers.append(((f"ConvTranspose_{num_transpose}",), conv, "transpose"))
                num_transpose += 1
        return layers


class TorchFacesCritic(_Twin):
    def __init__(self, image_shape=(64, 64, 3), filters=(64, 128, 256, 512)):
        super().__init__()
        size, _, channels = image_shape
        self.convs = nn.ModuleList()
        for width in filters:
            self.convs.append(SameConv2d(channels, width, 5, 2))
            channels, size = width, -(-size // 2)
        self.dense = nn.Linear(channels * size * size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.2)
        return self.dense(_channels_last_flatten(x))

    def flax_layers(self):
        layers = [((f"Conv_{i}",), conv, "conv") for i, conv in enumerate(self.convs)]
        return [*layers, (("Dense_0",), self.dense, "dense")]


class TorchFacesGenerator(_Twin):
    def __init__(self, initial_shape=(4, 4, 512), filters=(256, 128, 64, 3)):
        super().__init__()
        self.initial_shape = initial_shape
        self.dense = nn.Linear(100, int(np.prod(initial_shape)))
        self.norms = nn.ModuleList(
            [nn.BatchNorm1d(self.dense.out_features, KERAS_BATCH_NORM_EPSILON, TORCH_MOMENTUM)]
        )
        self.convs = nn.ModuleList()
        channels = initial_shape[-1]
        for index, width in enumerate(filters):
            self.convs.append(SameConvTranspose2d(channels, width, 5, 2))
            if index < len(filters) - 1:
                self.norms.append(nn.BatchNorm2d(width, KERAS_BATCH_NORM_EPSILON, TORCH_MOMENTUM))
            channels = width

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(self.norms[0](self.dense(z)), 0.2)
        x = _from_channels_last(x, self.initial_shape)
        for index, conv in enumerate(self.convs):
            x = conv(x)
            if index + 1 < len(self.norms):
                x = F.leaky_relu(self.norms[index + 1](x), 0.2)
        return torch.tanh(x)

    def flax_layers(self):
        layers = [(("Dense_0",), self.dense, "dense")]
        layers += [((f"BatchNorm_{i}",), norm, "norm") for i, norm in enumerate(self.norms)]
        layers += [
            ((f"ConvTranspose_{i}",), conv, "transpose") for i, conv in enumerate(self.convs)
        ]
        return layers


def _lookup(tree: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for name in path:
        tree = tree[name]
    return tree


def flax_to_torch(model: _Twin, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """gen_jax ``params`` (or gradients) as ``model``'s parameter names -> arrays."""
    names = {id(module): name for name, module in model.named_modules()}
    tensors = {}
    for path, layer, kind in model.flax_layers():
        leaves, prefix = _lookup(params, path), names[id(layer)]
        if kind == "norm":
            tensors[f"{prefix}.weight"], tensors[f"{prefix}.bias"] = leaves["scale"], leaves["bias"]
            continue
        kernel = np.asarray(leaves["kernel"])
        if kind == "dense":
            kernel = kernel.T
        elif kind == "conv":
            kernel = np.transpose(kernel, (3, 2, 0, 1))
        else:  # lax's transposed convolution does not flip the kernel; PyTorch's does
            kernel = np.transpose(np.flip(kernel, axis=(0, 1)), (2, 3, 0, 1))
        tensors[f"{prefix}.weight"], tensors[f"{prefix}.bias"] = kernel, leaves["bias"]
    return {name: np.array(value, order="C") for name, value in tensors.items()}


def load_flax_variables(model: _Twin, variables: dict[str, Any]) -> None:
    """Copy gen_jax Linen variables (params and batch_stats) into ``model``, strictly."""
    state = {k: torch.from_numpy(v) for k, v in flax_to_torch(model, variables["params"]).items()}
    names = {id(module): name for name, module in model.named_modules()}
    for path, layer, kind in model.flax_layers():
        if kind == "norm":
            stats = _lookup(variables["batch_stats"], path)
            prefix = names[id(layer)]
            state[f"{prefix}.running_mean"] = torch.from_numpy(np.array(stats["mean"]))
            state[f"{prefix}.running_var"] = torch.from_numpy(np.array(stats["var"]))
            state[f"{prefix}.num_batches_tracked"] = torch.tensor(0)
    model.load_state_dict(state, strict=True)


def gradient_penalty(critic: nn.Module, real, fake, epsilon: torch.Tensor) -> torch.Tensor:
    """Per-example ``(||grad critic(x_hat)|| - 1)^2`` on ``x_hat = eps real + (1-eps) fake``."""
    interpolates = (epsilon * real + (1.0 - epsilon) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(interpolates).sum(), interpolates, create_graph=True)
    return torch.square(torch.sqrt(grads.flatten(1).square().sum(1) + 1e-12) - 1.0)


def critic_loss(critic, real, fake, *, wasserstein: bool, gp_weight: float, epsilon=None):
    """The mean discriminator (or critic) loss that ``make_gan_step`` minimises."""
    real_scores, fake_scores = critic(real)[:, 0], critic(fake)[:, 0]
    if wasserstein:
        loss = fake_scores.mean() - real_scores.mean()
    else:
        loss = F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
    if gp_weight > 0:
        loss = loss + gp_weight * gradient_penalty(critic, real, fake, epsilon).mean()
    return loss


def generator_loss(critic, fake, *, wasserstein: bool) -> torch.Tensor:
    """Non-saturating ``softplus(-logit)`` or Wasserstein ``-score``, averaged."""
    scores = critic(fake)[:, 0]
    return -scores.mean() if wasserstein else F.softplus(-scores).mean()


class TorchGanStep:
    """One ``make_gan_step``-style iteration in PyTorch; each call returns the G loss."""

    def __init__(
        self, generator, critic, optimizers, real, *, num_critic_steps, wasserstein, gp_weight
    ):
        self.generator, self.critic = generator, critic
        self.g_optimizer, self.d_optimizer = optimizers
        self.real, self.num_critic_steps = real, num_critic_steps
        self.wasserstein, self.gp_weight = wasserstein, gp_weight

    def _noise(self) -> torch.Tensor:
        return torch.randn(len(self.real), 100, device=self.real.device)

    def __call__(self) -> torch.Tensor:
        self.critic.requires_grad_(True)
        for _ in range(self.num_critic_steps):
            with torch.no_grad():
                fake = self.generator(self._noise())
            epsilon = torch.rand(len(self.real), 1, 1, 1, device=self.real.device)
            self.d_optimizer.zero_grad(set_to_none=True)
            critic_loss(
                self.critic,
                self.real,
                fake,
                wasserstein=self.wasserstein,
                gp_weight=self.gp_weight,
                epsilon=epsilon,
            ).backward()
            self.d_optimizer.step()
        self.critic.requires_grad_(False)
        self.g_optimizer.zero_grad(set_to_none=True)
        loss = generator_loss(
            self.critic, self.generator(self._noise()), wasserstein=self.wasserstein
        )
        loss.backward()
        self.g_optimizer.step()
        return loss
