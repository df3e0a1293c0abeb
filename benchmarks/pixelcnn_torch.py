"""The plain binary PixelCNN in PyTorch, for ``benchmarks.autoregressive``'s peer column.

:class:`TorchPixelCNN` is gen_jax's :class:`~gen_jax.models.autoregressive.pixelcnn.PixelCNN` (7x7
type-A
masked convolution, residual blocks of 1x1, masked 3x3 type-B and 1x1 convolutions, two
1x1 output layers) in channels-first layout; :func:`load_flax_params` copies gen_jax's
parameters into it and :func:`check_pixelcnn` verifies that the logits and the loss agree.

References:
    van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks,
    arXiv:1601.06759.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gen_jax.models.autoregressive.pixelcnn import PixelCNN, causal_mask, pixelcnn_log_prob

CHECK_TOLERANCE = 1e-4  # relative, on the logits and the loss


class TorchPixelCNN(nn.Module):
    """gen_jax's plain binary :class:`~gen_jax.models.autoregressive.pixelcnn.PixelCNN` in PyTorch,
    NCHW."""

    def __init__(self, features: int, num_layers: int, kernel_size=3, first_kernel_size=7):
        super().__init__()
        half = features // 2
        self.first = nn.Conv2d(1, features, first_kernel_size, padding=first_kernel_size // 2)
        self.blocks = nn.ModuleList(
            nn.ModuleList(
                [
                    nn.Conv2d(features, half, 1),
                    nn.Conv2d(half, half, kernel_size, padding=kernel_size // 2),
                    nn.Conv2d(half, features, 1),
                ]
            )
            for _ in range(num_layers)
        )
        self.hidden = nn.Conv2d(features, features, 1)
        self.out = nn.Conv2d(features, 1, 1)
        for name, size, kind in (("mask_a", first_kernel_size, "A"), ("mask_b", kernel_size, "B")):
            mask = causal_mask((size, size), stack="full", mask_type=kind)
            self.register_buffer(name, torch.from_numpy(mask)[None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = self.first
        h = F.conv2d(2.0 * x - 1.0, first.weight * self.mask_a, first.bias, padding=first.padding)
        for reduce, masked, expand in self.blocks:
            r = reduce(F.relu(h))
            weight = masked.weight * self.mask_b
            r = F.conv2d(F.relu(r), weight, masked.bias, padding=masked.padding)
            h = h + expand(F.relu(r))
        return self.out(F.relu(self.hidden(F.relu(h))))


def torch_nll(model: TorchPixelCNN, x: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood per image (nats), as gen_jax's likelihood step."""
    logits = model(x)
    per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return per_pixel.sum(dim=(1, 2, 3)).mean()


def load_flax_params(model: TorchPixelCNN, params: dict[str, Any]) -> None:
    """Copy a gen_jax ``PixelCNN``'s parameters into ``model`` (kernels HWIO -> OIHW)."""

    def conv(layer):
        kernel = np.array(np.transpose(np.asarray(layer["kernel"]), (3, 2, 0, 1)), order="C")
        return torch.from_numpy(kernel), torch.from_numpy(np.array(layer["bias"]))

    state = {}
    targets = [("first", params["MaskedConv2D_0"])]
    for index in range(len(model.blocks)):
        targets += [
            (f"blocks.{index}.0", params[f"Conv_{2 * index}"]),
            (f"blocks.{index}.1", params[f"MaskedConv2D_{index + 1}"]),
            (f"blocks.{index}.2", params[f"Conv_{2 * index + 1}"]),
        ]
    num_blocks = len(model.blocks)
    targets += [("hidden", params[f"Conv_{2 * num_blocks}"])]
    targets += [("out", params[f"Conv_{2 * num_blocks + 1}"])]
    for name, layer in targets:
        state[f"{name}.weight"], state[f"{name}.bias"] = conv(layer)
    state["mask_a"], state["mask_b"] = model.mask_a, model.mask_b
    model.load_state_dict(state, strict=True)


def check_pixelcnn(
    *, features: int, num_layers: int, batch_size: int, images: np.ndarray, seed: int = 0
) -> dict[str, Any]:
    """gen_jax's initial PixelCNN weights in PyTorch: logits and loss must agree.

    Args:
        features, num_layers: of both PixelCNNs.
        batch_size: how many of ``images`` to compare on.
        images: binary ``[N, H, W, 1]``.
        seed: of gen_jax's initialisation.
    """
    model = PixelCNN(features=features, num_layers=num_layers)
    images = images[:batch_size]
    params = model.init(jax.random.key(seed), images)["params"]
    logits = np.asarray(model.apply({"params": params}, images))
    nll = -float(jnp.mean(pixelcnn_log_prob(model, params, images)))
    peer = TorchPixelCNN(features, num_layers)
    load_flax_params(peer, params)
    x = torch.from_numpy(np.ascontiguousarray(np.transpose(images, (0, 3, 1, 2))))
    with torch.no_grad():
        peer_logits = peer(x).numpy().transpose(0, 2, 3, 1)
        peer_nll = torch_nll(peer, x).item()
    logit_error = float(np.max(np.abs(logits - peer_logits)) / np.max(np.abs(logits)))
    loss_error = abs(nll - peer_nll) / abs(nll)
    return {
        "logits_relative_error": logit_error,
        "loss_relative_error": loss_error,
        "tolerance": CHECK_TOLERANCE,
        "passed": logit_error <= CHECK_TOLERANCE and loss_error <= CHECK_TOLERANCE,
    }
