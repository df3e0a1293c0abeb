r"""The Wrodl outfit data of Foster's chapter 1 and the full multinomial model over its cells.

Five categorical features span :math:`7 \cdot 6 \cdot 3 \cdot 4 \cdot 8 = 4032` outfits. The
book publishes only its first 10 observations (Table 1.1) and the per-feature counts of all
50 (Table 1.2), so :func:`wrodl_outfits` builds a deterministic 50-row table that contains
those 10 rows, matches every count of Table 1.2 exactly, and holds the book's example
outfit (long straight hair, red, round glasses, crew-neck T-shirt, white) exactly twice and
its blue variant never, which is all the chapter's numbers depend on.

The full multinomial (a categorical over the 4032 cells, 4031 free parameters) with
additive smoothing :math:`a` estimates

.. math::
    \hat\theta_j = \frac{n_j + a}{N + 4032\,a},

so with :math:`a = 0` the example outfits get :math:`2/50 = 0.04` and :math:`0`. Naive Bayes
(the product of the five marginals, 23 free parameters) gives the first one
:math:`0.46 \cdot 0.16 \cdot 0.44 \cdot 0.38 \cdot 0.44 \approx 0.0054`
(:class:`~gen_jax.estimators.naive_bayes.NaiveBayes` with one class).

References:
    Foster (2019), Generative Deep Learning, ch. 1 ("The Rules of Generative Modeling",
    Tables 1-1 and 1-2).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EXAMPLE_OUTFIT",
    "EXAMPLE_OUTFIT_BLUE",
    "FEATURES",
    "full_multinomial_probs",
    "wrodl_outfits",
]

# Feature -> values, in the book's order of Table 1.2; each tuple's order is the index.
FEATURES: dict[str, tuple[str, ...]] = {
    "hair_style": (
        "NoHair",
        "LongHairBun",
        "LongHairCurly",
        "LongHairStraight",
        "ShortHairShortWaved",
        "ShortHairShortFlat",
        "ShortHairFrizzle",
    ),
    "hair_colour": ("Black", "Blonde", "Brown", "PastelPink", "Red", "SilverGray"),
    "accessories": ("Blank", "Round", "Sunglasses"),
    "clothing_type": ("Hoodie", "Overall", "ShirtCrewNeck", "ShirtVNeck"),
    "clothing_colour": (
        "Black",
        "Blue01",
        "Gray01",
        "PastelGreen",
        "PastelOrange",
        "Pink",
        "Red",
        "White",
    ),
}
# Table 1.2: the count of every value among the 50 observations.
COUNTS = {
    "hair_style": (7, 0, 1, 23, 1, 11, 7),
    "hair_colour": (7, 6, 2, 3, 8, 24),
    "accessories": (11, 22, 17),
    "clothing_type": (7, 18, 19, 6),
    "clothing_colour": (0, 4, 10, 5, 2, 4, 3, 22),
}
# Table 1.1: the first 10 observations (hair style, colour, accessory, clothing, colour).
FIRST_TEN = (
    ("ShortHairShortFlat", "Red", "Round", "ShirtCrewNeck", "White"),
    ("ShortHairFrizzle", "SilverGray", "Round", "Overall", "White"),
    ("ShortHairShortFlat", "Blonde", "Sunglasses", "ShirtCrewNeck", "White"),
    ("LongHairStraight", "Red", "Round", "ShirtCrewNeck", "White"),
    ("NoHair", "SilverGray", "Round", "Overall", "White"),
    ("LongHairStraight", "Black", "Blank", "Overall", "White"),
    ("LongHairStraight", "SilverGray", "Sunglasses", "Overall", "White"),
    ("ShortHairShortFlat", "SilverGray", "Round", "ShirtCrewNeck", "White"),
    ("LongHairStraight", "SilverGray", "Round", "Hoodie", "Pink"),
    ("LongHairStraight", "Blonde", "Round", "ShirtCrewNeck", "PastelOrange"),
)
EXAMPLE_OUTFIT = ("LongHairStraight", "Red", "Round", "ShirtCrewNeck", "White")
EXAMPLE_OUTFIT_BLUE = ("LongHairStraight", "Red", "Round", "ShirtCrewNeck", "Blue01")
NUM_OBSERVATIONS = 50


def encode(outfit) -> tuple[int, ...]:
    """Value names -> indices, one per feature (in :data:`FEATURES` order)."""
    return tuple(values.index(v) for values, v in zip(FEATURES.values(), outfit, strict=True))


def wrodl_outfits(seed: int = 0) -> np.ndarray:
    """``[50, 5]`` int value indices: Table 1.1's rows first, Table 1.2's counts exactly.

    The other 40 rows are the example outfit once more and 39 rows whose values are the
    remaining counts of each feature, shuffled independently (the first seed from ``seed``
    on that keeps the example outfit at two copies and its blue variant absent).
    """
    fixed = [encode(row) for row in (*FIRST_TEN, EXAMPLE_OUTFIT)]
    remaining = []
    for j, name in enumerate(FEATURES):
        left = np.array(COUNTS[name]) - np.bincount(
            [row[j] for row in fixed], minlength=len(FEATURES[name])
        )
        remaining.append(np.repeat(np.arange(len(left)), left))
    target, blue = np.array(encode(EXAMPLE_OUTFIT)), np.array(encode(EXAMPLE_OUTFIT_BLUE))
    for attempt in range(seed, seed + 1000):
        rng = np.random.default_rng(attempt)
        rest = np.stack([rng.permutation(column) for column in remaining], axis=1)
        table = np.concatenate([np.array(fixed), rest])
        if (table == target).all(1).sum() == 2 and not (table == blue).all(1).any():
            return table.astype(np.int64)
    raise RuntimeError("no shuffle met the constraints")  # never reached for these counts


def full_multinomial_probs(table: np.ndarray, *, pseudo_count: float = 0.0) -> np.ndarray:
    """The full multinomial's cell probabilities ``[7, 6, 3, 4, 8]``: (n + a) / (N + 4032 a).

    Args:
        table: ``[N, 5]`` value indices.
        pseudo_count: the additive smoothing ``a >= 0`` (Laplace: 1).
    """
    if not pseudo_count >= 0:
        raise ValueError(f"pseudo_count={pseudo_count!r}: must be >= 0")
    shape = tuple(len(values) for values in FEATURES.values())
    counts = np.zeros(shape)
    np.add.at(counts, tuple(np.asarray(table).T), 1.0)
    return (counts + pseudo_count) / (len(table) + pseudo_count * counts.size)
