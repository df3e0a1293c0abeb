r"""Generated 1-D signals and mu-law quantisation, the offline stand-in for raw audio.

Two families of seeded signals in :math:`[-1, 1]`: sums of sinusoids with random
frequencies, amplitudes and phases, and stationary second-order autoregressive processes
:math:`s_t = a_1 s_{t-1} + a_2 s_{t-2} + \varepsilon_t`. WaveNet models them after mu-law
companding to ``mu + 1`` levels (ITU-T G.711),

.. math::
    F(x) = \operatorname{sign}(x)\,\frac{\ln(1 + \mu |x|)}{\ln(1 + \mu)}, \qquad
    F^{-1}(y) = \operatorname{sign}(y)\,\frac{(1 + \mu)^{|y|} - 1}{\mu}.

References:
    ITU-T Recommendation G.711 (1988), Pulse code modulation of voice frequencies.
    van den Oord et al. (2016), WaveNet: A Generative Model for Raw Audio,
    arXiv:1609.03499, section 2.2.
    Box & Jenkins (1970), Time Series Analysis: Forecasting and Control (AR processes).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "autoregressive_signals",
    "mu_law_decode",
    "mu_law_encode",
    "signal_dataset",
    "sum_of_sines",
]


def _check_positive_int(name: str, value) -> int:
    if not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r}: must be an int >= 1")
    return int(value)


def mu_law_encode(x, mu: int = 255) -> np.ndarray:
    """Quantise ``x`` in [-1, 1] (any shape) to integer levels ``0..mu`` (int32).

    Values outside [-1, 1] are clipped.
    """
    mu = _check_positive_int("mu", mu)
    x = np.clip(np.asarray(x, np.float64), -1.0, 1.0)
    companded = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return np.floor((companded + 1.0) / 2.0 * mu + 0.5).astype(np.int32)


def mu_law_decode(levels, mu: int = 255) -> np.ndarray:
    """Integer levels ``0..mu`` (any shape) back to float32 values in [-1, 1]."""
    mu = _check_positive_int("mu", mu)
    levels = np.asarray(levels)
    if levels.size and (levels.min() < 0 or levels.max() > mu):
        raise ValueError(f"levels must lie in 0..{mu}; got {levels.min()}..{levels.max()}")
    companded = 2.0 * levels.astype(np.float64) / mu - 1.0
    return (np.sign(companded) * np.expm1(np.abs(companded) * np.log1p(mu)) / mu).astype(np.float32)


def sum_of_sines(
    num_signals: int,
    length: int,
    *,
    num_components: int = 3,
    min_period: float = 8.0,
    max_period: float = 64.0,
    seed: int = 0,
) -> np.ndarray:
    """``[num_signals, length]`` float32 sums of sinusoids, scaled into [-1, 1].

    Each signal has ``num_components`` sinusoids with periods (in samples) uniform in
    ``[min_period, max_period]``, amplitudes uniform in [0.2, 1] and uniform phases; the
    sum is divided by the sum of its amplitudes.
    """
    num_signals = _check_positive_int("num_signals", num_signals)
    length = _check_positive_int("length", length)
    num_components = _check_positive_int("num_components", num_components)
    if not 2.0 <= min_period <= max_period:
        raise ValueError(
            f"min_period={min_period}, max_period={max_period}: need 2 <= min_period <= "
            "max_period (periods in samples)"
        )
    rng = np.random.default_rng(seed)
    shape = (num_signals, num_components, 1)
    periods = rng.uniform(min_period, max_period, shape)
    amplitudes = rng.uniform(0.2, 1.0, shape)
    phases = rng.uniform(0.0, 2.0 * np.pi, shape)
    time = np.arange(length)[None, None, :]
    waves = amplitudes * np.sin(2.0 * np.pi * time / periods + phases)
    return (waves.sum(axis=1) / amplitudes.sum(axis=1)).astype(np.float32)


def autoregressive_signals(
    num_signals: int,
    length: int,
    *,
    coefficients: tuple[float, float] = (1.8, -0.9),
    noise_scale: float = 0.1,
    burn_in: int = 100,
    seed: int = 0,
) -> np.ndarray:
    """``[num_signals, length]`` float32 AR(2) paths, each scaled by its max into [-0.9, 0.9].

    Args:
        num_signals: how many paths.
        length: samples per path.
        coefficients: :math:`(a_1, a_2)`; must give a stationary process (roots of
            :math:`1 - a_1 z - a_2 z^2` outside the unit circle).
        noise_scale: standard deviation of the Gaussian innovations.
        burn_in: initial samples dropped so the paths start near stationarity.
        seed: the seed.
    """
    num_signals = _check_positive_int("num_signals", num_signals)
    length = _check_positive_int("length", length)
    a1, a2 = coefficients
    if not (abs(a2) < 1 and a1 + a2 < 1 and a2 - a1 < 1):
        raise ValueError(
            f"coefficients={coefficients}: the AR(2) process is not stationary; need "
            "|a2| < 1, a1 + a2 < 1 and a2 - a1 < 1"
        )
    if noise_scale <= 0:
        raise ValueError(f"noise_scale={noise_scale}: must be > 0")
    rng = np.random.default_rng(seed)
    total = length + burn_in
    noise = rng.normal(0.0, noise_scale, (num_signals, total))
    paths = np.zeros((num_signals, total))
    for t in range(2, total):
        paths[:, t] = a1 * paths[:, t - 1] + a2 * paths[:, t - 2] + noise[:, t]
    paths = paths[:, burn_in:]
    scale = np.abs(paths).max(axis=1, keepdims=True)
    return (0.9 * paths / np.maximum(scale, 1e-12)).astype(np.float32)


def signal_dataset(
    num_per_kind: int, length: int, *, mu: int = 255, seed: int = 0
) -> dict[str, np.ndarray]:
    """Both families, mu-law quantised and labelled (0: sines, 1: AR(2)), shuffled.

    Returns:
        ``{"signal": int32 [2 N, length] in 0..mu, "waveform": float32 [2 N, length],
        "label": int32 [2 N]}`` with ``N = num_per_kind``.
    """
    sines = sum_of_sines(num_per_kind, length, seed=seed)
    ar = autoregressive_signals(num_per_kind, length, seed=seed + 1)
    waveform = np.concatenate([sines, ar])
    label = np.repeat(np.arange(2, dtype=np.int32), num_per_kind)
    order = np.random.default_rng(seed + 2).permutation(len(label))
    waveform, label = waveform[order], label[order]
    return {"signal": mu_law_encode(waveform, mu), "waveform": waveform, "label": label}
