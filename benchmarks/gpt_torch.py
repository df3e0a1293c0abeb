"""nanoGPT's model in PyTorch, for the GPT benchmark, and a check that it matches gen_jax's.

:class:`TorchGPT` follows nanoGPT's ``model.py`` (pre-norm blocks, fused query/key/value
projection, ``scaled_dot_product_attention`` with a causal mask, exact GELU, LayerNorm with
an optional bias, the head tied to the token embedding). :func:`copy_gen_jax_weights`
loads a gen_jax :class:`~gen_jax.models.transformers.GPT`'s parameters into it, so
:func:`check_gpt` can compare the two models' logits on the same tokens before any
timing.

References:
    Karpathy (2023), nanoGPT, https://github.com/karpathy/nanoGPT (``model.py``).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import torch
from torch import nn
from torch.nn import functional

from gen_jax.models.transformers import GPT


class TorchLayerNorm(nn.Module):
    """LayerNorm whose bias can be switched off (nanoGPT's ``bias=False``)."""

    def __init__(self, width: int, bias: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width)) if bias else None

    def forward(self, x):
        return functional.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class TorchBlock(nn.Module):
    """One pre-norm block: causal self-attention and a 4x feed-forward net."""

    def __init__(self, width: int, num_heads: int, bias: bool):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = TorchLayerNorm(width, bias)
        self.c_attn = nn.Linear(width, 3 * width, bias=bias)
        self.attn_proj = nn.Linear(width, width, bias=bias)
        self.ln_2 = TorchLayerNorm(width, bias)
        self.c_fc = nn.Linear(width, 4 * width, bias=bias)
        self.mlp_proj = nn.Linear(4 * width, width, bias=bias)

    def forward(self, x):
        batch, length, width = x.shape
        query, key, value = self.c_attn(self.ln_1(x)).split(width, dim=2)
        heads = [
            t.view(batch, length, self.num_heads, width // self.num_heads).transpose(1, 2)
            for t in (query, key, value)
        ]
        attended = functional.scaled_dot_product_attention(*heads, is_causal=True)
        x = x + self.attn_proj(attended.transpose(1, 2).reshape(batch, length, width))
        return x + self.mlp_proj(functional.gelu(self.c_fc(self.ln_2(x))))


class TorchGPT(nn.Module):
    """nanoGPT's GPT with a tied head: ``tokens [B, T] -> logits [B, T, vocab_size]``."""

    def __init__(self, *, vocab_size, block_size, num_layers, num_heads, width, bias):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, width)
        self.wpe = nn.Embedding(block_size, width)
        self.blocks = nn.ModuleList(TorchBlock(width, num_heads, bias) for _ in range(num_layers))
        self.ln_f = TorchLayerNorm(width, bias)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.wte(tokens) + self.wpe(positions)
        for block in self.blocks:
            x = block(x)
        return functional.linear(self.ln_f(x), self.wte.weight)


def torch_next_token_loss(model: TorchGPT, tokens: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy of ``tokens [B, T + 1]``, in nats."""
    logits = model(tokens[:, :-1])
    return functional.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())


def torch_gpt_for(model: GPT) -> TorchGPT:
    """A :class:`TorchGPT` with the sizes of a gen_jax ``GPT`` (tied, learned positions)."""
    if not model.tie_weights or model.positional != "learned":
        raise ValueError("the PyTorch copy has nanoGPT's layout: tied head, learned positions")
    return TorchGPT(
        vocab_size=model.vocab_size,
        block_size=model.block_size,
        num_layers=model.num_layers,
        num_heads=model.num_heads,
        width=model.width,
        bias=model.use_bias,
    )


def copy_gen_jax_weights(params: Any, peer: TorchGPT) -> None:
    """Load a gen_jax GPT's parameters into ``peer`` (transposing dense kernels)."""

    def tensor(array, transpose=False):
        array = np.asarray(array, np.float32)
        return torch.from_numpy(np.array(array.T if transpose else array, order="C"))

    def load_norm(norm: TorchLayerNorm, values):
        norm.weight.data = tensor(values["scale"])
        if norm.bias is not None:
            norm.bias.data = tensor(values["bias"])

    def load_linear(linear: nn.Linear, kernel, bias=None):
        linear.weight.data = tensor(kernel, transpose=True)
        if linear.bias is not None:
            linear.bias.data = tensor(bias)

    peer.wte.weight.data = tensor(params["token_embedding"]["embedding"])
    peer.wpe.weight.data = tensor(params["position_embedding"]["embedding"])
    for index, block in enumerate(peer.blocks):
        values = params[f"blocks_{index}"]
        attention, feed_forward = values["self_attention"], values["feed_forward"]
        width = block.c_attn.in_features
        load_norm(block.ln_1, values["self_attention_norm"])
        load_norm(block.ln_2, values["feed_forward_norm"])
        names = ("query", "key", "value")
        kernel = np.concatenate(
            [np.reshape(attention[n]["kernel"], (width, width)) for n in names], 1
        )
        bias = None
        if block.c_attn.bias is not None:
            bias = np.concatenate([np.reshape(attention[n]["bias"], (width,)) for n in names])
        load_linear(block.c_attn, kernel, bias)
        load_linear(
            block.attn_proj,
            np.reshape(attention["output"]["kernel"], (width, width)),
            attention["output"].get("bias"),
        )
        load_linear(
            block.c_fc, feed_forward["hidden"]["kernel"], feed_forward["hidden"].get("bias")
        )
        load_linear(
            block.mlp_proj, feed_forward["output"]["kernel"], feed_forward["output"].get("bias")
        )
    load_norm(peer.ln_f, params["final_norm"])


def check_gpt(model: GPT, params: Any, tokens: np.ndarray) -> dict[str, Any]:
    """Logits and loss of gen_jax's GPT and the PyTorch copy on ``tokens [B, T + 1]``."""
    peer = torch_gpt_for(model)
    copy_gen_jax_weights(params, peer)
    ours = np.asarray(jax.jit(model.apply)({"params": params}, tokens[:, :-1]))
    with torch.no_grad():
        theirs = peer(torch.from_numpy(tokens[:, :-1]).long()).numpy()
    error = float(np.max(np.abs(ours - theirs)) / (np.max(np.abs(ours)) + 1e-12))
    return {"logits_relative_error": error, "passed": error < 1e-4}
