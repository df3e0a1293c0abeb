r"""Naive Bayes as a generative model: fit, classify, and sample new examples.

The model is the Bayesian network :math:`y \to x_1, \dots, x_D`,

.. math::
    p(y, x) = p(y) \prod_{j=1}^D p(x_j \mid y), \qquad
    p(y \mid x) = \operatorname{softmax}_y\Big(\log p(y) + \sum_j \log p(x_j \mid y)\Big),

with one family of feature distributions (``kind``), estimated in closed form exactly as
scikit-learn's ``CategoricalNB``, ``GaussianNB``, ``BernoulliNB`` and ``MultinomialNB``
do (additive smoothing ``alpha``; ``var_smoothing`` times the largest feature variance
added to every Gaussian variance):

- ``categorical``: :math:`p(x_j = k \mid y) = (N_{yjk} + \alpha) / (N_y + \alpha K_j)`;
- ``bernoulli``: :math:`p(x_j = 1 \mid y) = (N_{yj} + \alpha) / (N_y + 2\alpha)` on
  :math:`x_j > \text{binarize}`;
- ``multinomial``: :math:`p(v \mid y) = (N_{yv} + \alpha) / (N_y + \alpha D)` for count
  vectors (the multinomial coefficient is left out, as in scikit-learn);
- ``gaussian``: :math:`\mathcal N(x_j; \mu_{yj}, \sigma^2_{yj} + \epsilon)`;
- ``complement``: scikit-learn's ``ComplementNB`` (Rennie et al., 2003), weights from the
  counts of the other classes; a classifier only (no ``score_samples``, no ``sample``).

Counts are weighted (``sample_weight``) and accumulate over ``partial_fit`` calls
(:mod:`gen_jax.estimators.naive_bayes_counts`), as in scikit-learn.

Unlike scikit-learn it is a generative model too: ``score_samples`` is
:math:`\log p(x) = \log\sum_y p(y, x)` and ``sample`` draws :math:`y` then each feature
(chapter 1 of Foster's book samples new outfits this way). Fitted with one class
(``y`` constant, or ``y=None``) it is the fully independent model :math:`\prod_j p(x_j)`.

References:
    Ng & Jordan (2002), On discriminative vs. generative classifiers: a comparison of
    logistic regression and naive Bayes, NeurIPS 14.
    McCallum & Nigam (1998), A comparison of event models for naive Bayes text
    classification, AAAI workshop.
    Foster (2019), Generative Deep Learning, ch. 1.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import check_classification_targets

from gen_jax.estimators.base import Estimator, requires_fit
from gen_jax.estimators.naive_bayes_counts import (
    categorical_log_prob,
    check_alpha,
    discrete_log_prob,
    effective_alpha,
    merge_mean_variance,
    weighted_mean_variance,
)
from gen_jax.estimators.validation import check_matrix, check_sample_weight

__all__ = ["NaiveBayes"]

KINDS = ("categorical", "gaussian", "bernoulli", "multinomial", "complement")


@functools.partial(jax.jit, static_argnums=0)
def _joint_log_likelihood(kind: str, params: dict, x: jax.Array) -> jax.Array:
    """``[N, C]`` :math:`\\log p(y) + \\sum_j \\log p(x_j \\mid y)`."""
    log_prior = params["class_log_prior"]
    if kind == "categorical":
        table = params["feature_log_prob"]  # [C, D, K]
        per_feature = table[:, jnp.arange(x.shape[1])[None, :], x]  # [C, N, D]
        return jnp.sum(per_feature, axis=2).T + log_prior
    if kind == "gaussian":
        mean, var = params["theta"], params["var"]
        log_norm = -0.5 * jnp.sum(jnp.log(2 * jnp.pi * var), axis=1)
        squared = jnp.sum((x[:, None, :] - mean[None]) ** 2 / var[None], axis=2)
        return log_norm - 0.5 * squared + log_prior
    log_p = params["feature_log_prob"]
    if kind == "complement":  # scikit-learn adds the prior only to a single class
        return x @ log_p.T + (log_prior if log_prior.shape[0] == 1 else 0.0)
    if kind == "bernoulli":
        log_q = jnp.log1p(-jnp.exp(log_p))
        return _weighted_log_sum(x, log_p) + _weighted_log_sum(1 - x, log_q) + log_prior
    return _weighted_log_sum(x, log_p) + log_prior


def _weighted_log_sum(x: jax.Array, log_p: jax.Array) -> jax.Array:
    """``[N, C]`` :math:`\\sum_j x_{nj} \\log p_{cj}` with :math:`0 \\cdot \\log 0 = 0`.

    A zero probability (``alpha=0``) makes the classes where a present feature has it
    impossible (``-inf``) instead of turning the product ``0 * -inf`` into NaN.
    """
    zero = jnp.isneginf(log_p)
    impossible = (x > 0).astype(x.dtype) @ zero.T.astype(x.dtype)
    return x @ jnp.where(zero, 0.0, log_p).T + jnp.where(impossible > 0, -jnp.inf, 0.0)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _sample(kind: str, params: dict, key: jax.Array, n: int, total_count: jax.Array):
    class_key, feature_key = jax.random.split(key)
    labels = jax.random.categorical(class_key, params["class_log_prior"], shape=(n,))
    if kind == "categorical":
        x = jax.random.categorical(feature_key, params["feature_log_prob"][labels])
    elif kind == "gaussian":
        noise = jax.random.normal(feature_key, (n, params["theta"].shape[1]), params["var"].dtype)
        x = params["theta"][labels] + jnp.sqrt(params["var"][labels]) * noise
    elif kind == "bernoulli":
        probs = jnp.exp(params["feature_log_prob"][labels])
        x = jax.random.bernoulli(feature_key, probs).astype(probs.dtype)
    else:
        probs = jnp.exp(params["feature_log_prob"][labels])
        x = jax.random.multinomial(feature_key, total_count, probs, dtype=probs.dtype)
    return x, labels


class NaiveBayes(ClassifierMixin, Estimator):
    """Naive Bayes classifier and sampler (scikit-learn style; see the module docstring).

    Args:
        kind: ``"categorical"``, ``"gaussian"``, ``"bernoulli"``, ``"multinomial"`` or
            ``"complement"`` (scikit-learn's ``ComplementNB``: a classifier only, no density).
        alpha: additive smoothing (>= 0; 0 is the MLE, giving zero probabilities); a ``[D]``
            array smooths each feature by its own amount (bernoulli, multinomial, complement).
        force_alpha: keep ``alpha`` as given; if False, entries below 1e-10 become 1e-10
            (scikit-learn's ``force_alpha``).
        var_smoothing: Gaussian variance floor as a fraction of the largest variance.
        binarize: Bernoulli threshold (``x > binarize`` is 1); None if already 0/1.
        fit_prior: learn :math:`p(y)`; otherwise uniform (or ``class_prior``).
        class_prior: ``[C]`` fixed class probabilities.
        min_categories: categorical: the least number of categories per feature (an int, or
            ``[D]`` ints), for categories absent from the training data.
        norm: complement: normalise the weights (scikit-learn's ``norm``).
        random_state: int seed, ``None``, a numpy ``RandomState``/``Generator`` or a JAX
            key, used when ``sample`` gets no ``key``.

    Attributes (after ``fit``): classes_, class_count_, class_log_prior_, class_prior_;
    ``feature_log_prob_`` (categorical ``[C, D, K]`` padded with -inf, the others
    ``[C, D]``); category_count_ (categorical: ``D`` arrays ``[C, K_j]``), n_categories_;
    feature_count_ (bernoulli, multinomial, complement ``[C, D]``); theta_, var_, epsilon_
    (gaussian); total_count_ (multinomial: the rounded mean row total, used by ``sample``).
    Counts are weighted by ``sample_weight``.
    """

    _fitted_attributes = ("classes_",)
    _fit_call = "fit(X, y)"
    _accepts_sparse = True  # made dense

    def __init__(
        self,
        kind: str = "categorical",
        *,
        alpha=1.0,
        force_alpha: bool = True,
        var_smoothing: float = 1e-9,
        binarize: float | None = 0.0,
        fit_prior: bool = True,
        class_prior=None,
        min_categories=None,
        norm: bool = False,
        random_state: int = 0,
    ):
        if kind not in KINDS:
            raise ValueError(f"kind={kind!r}; choose one of {KINDS}")
        check_alpha(alpha, kind)
        if not var_smoothing >= 0:
            raise ValueError(f"var_smoothing={var_smoothing!r}: must be >= 0")
        self.kind, self.alpha, self.force_alpha = kind, alpha, force_alpha
        self.var_smoothing, self.binarize = var_smoothing, binarize
        self.fit_prior, self.class_prior, self.random_state = fit_prior, class_prior, random_state
        self.min_categories, self.norm = min_categories, norm

    # -- fitting ---------------------------------------------------------------------------
    def _features(self, X, *, fitting: bool) -> np.ndarray:
        x = check_matrix(X)
        if self.kind == "categorical":
            if (x != np.round(x)).any() or (x < 0).any():
                raise ValueError(
                    "X holds non-integer or negative values; categorical naive Bayes needs "
                    "category indices 0..K-1 per feature (encode labels first)"
                )
            if not fitting:
                over = x >= self.n_categories_[None, :]
                if over.any():
                    column = int(np.argwhere(over)[0, 1])
                    raise ValueError(
                        f"X[:, {column}] holds category {int(x[:, column].max())}, unseen in "
                        f"fit (which saw 0..{self.n_categories_[column] - 1})"
                    )
            return x.astype(np.int32)
        if self.kind in ("multinomial", "complement") and (x < 0).any():
            raise ValueError(f"X holds negative counts; {self.kind} naive Bayes needs counts >= 0")
        if self.kind == "bernoulli" and self.binarize is not None:
            x = (x > self.binarize).astype(x.dtype)
        return x.astype(np.float64)

    def fit(self, X, y=None, sample_weight=None):
        """Estimate the class prior and the per-class feature distributions; returns self.

        Args:
            X: ``[N, D]`` features (category indices, reals, 0/1 or counts by ``kind``).
            y: ``[N]`` class labels; None fits one class (the independent model).
            sample_weight: ``[N]`` non-negative weights of the samples.
        """
        y = np.zeros(len(check_matrix(X)), np.int64) if y is None else np.asarray(y)
        for name in ("classes_", "n_features_in_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y, classes=np.unique(y), sample_weight=sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Add a batch to the counts (scikit-learn's ``partial_fit``); returns self.

        Args:
            X, y, sample_weight: as for :meth:`fit` (``y`` required).
            classes: every class label, required on the first call.
        """
        x = self._features(X, fitting=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.shape != (len(x),):
            raise ValueError(f"y has shape {y.shape}; pass one label per row of X ({len(x)},)")
        first = getattr(self, "classes_", None) is None
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self.classes_ = np.unique(classes)
            self.n_features_in_ = x.shape[1]
        elif x.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {x.shape[1]} features, but NaiveBayes is expecting "
                f"{self.n_features_in_} features as input"
            )
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"y holds label {y[unknown][0]!r}, not among classes {self.classes_}")
        weights = check_sample_weight(sample_weight, len(x), np.float64)
        by_class = np.eye(len(self.classes_))[np.searchsorted(self.classes_, y)] * weights[:, None]
        self._accumulate(x, by_class, first)
        self._estimate()
        return self

    def _accumulate(self, x, by_class, first: bool) -> None:
        num_classes, num_features = by_class.shape[1], x.shape[1]
        if first:
            self.class_count_ = np.zeros(num_classes)
        if self.kind == "gaussian":
            if first:
                self.epsilon_ = self.var_smoothing * np.var(x, axis=0).max()
                self.theta_ = np.zeros((num_classes, num_features))
                self.var_ = np.zeros((num_classes, num_features)) + self.epsilon_
            count, mean, var = weighted_mean_variance(x, by_class)
            _, self.theta_, variance = merge_mean_variance(
                self.class_count_, self.theta_, self.var_ - self.epsilon_, count, mean, var
            )
            self.var_ = variance + self.epsilon_
        elif self.kind == "categorical":
            seen = x.max(0).astype(np.int64) + 1
            least = np.broadcast_to(np.asarray(self.min_categories or 0, np.int64), seen.shape)
            previous = self.n_categories_ if not first else np.zeros_like(seen)
            self.n_categories_ = np.maximum.reduce([previous, seen, least])
            counts = self.category_count_ if not first else [np.zeros((num_classes, 0))] * len(seen)
            self.category_count_ = [
                np.pad(c, ((0, 0), (0, k - c.shape[1]))) + by_class.T @ np.eye(k)[x[:, j]]
                for j, (c, k) in enumerate(zip(counts, self.n_categories_, strict=True))
            ]
        else:
            if first:
                self.feature_count_ = np.zeros((num_classes, num_features))
            self.feature_count_ = self.feature_count_ + by_class.T @ x
        self.class_count_ = self.class_count_ + by_class.sum(0)

    def _estimate(self) -> None:
        num_classes = len(self.classes_)
        if self.class_prior is not None:
            prior = np.asarray(self.class_prior, np.float64)
            if prior.shape != (num_classes,) or abs(prior.sum() - 1) > 1e-6 or (prior < 0).any():
                raise ValueError(
                    f"class_prior must be {num_classes} non-negative numbers summing to 1"
                )
        elif self.fit_prior:
            prior = self.class_count_ / self.class_count_.sum()
        else:
            prior = np.full(num_classes, 1.0 / num_classes)
        self.class_prior_ = prior
        with np.errstate(divide="ignore"):
            self.class_log_prior_ = np.log(prior)
        if self.kind == "gaussian":
            return
        alpha = effective_alpha(
            check_alpha(self.alpha, self.kind), self.n_features_in_, self.force_alpha
        )
        if self.kind == "categorical":
            self.feature_log_prob_ = categorical_log_prob(
                self.category_count_, self.n_categories_, alpha
            )
            return
        self.feature_log_prob_ = discrete_log_prob(
            self.kind, self.feature_count_, self.class_count_, alpha, self.norm
        )
        if self.kind == "multinomial":
            self.total_count_ = max(
                1, int(round(self.feature_count_.sum() / self.class_count_.sum()))
            )

    def _params(self) -> dict:
        dtype = jax.dtypes.canonicalize_dtype(np.float64)
        params = {"class_log_prior": jnp.asarray(self.class_log_prior_, dtype)}
        if self.kind == "gaussian":
            params["theta"] = jnp.asarray(self.theta_, dtype)
            params["var"] = jnp.asarray(self.var_, dtype)
        else:
            params["feature_log_prob"] = jnp.asarray(self.feature_log_prob_, dtype)
        return params

    def _require_density(self, method: str) -> None:
        if self.kind == "complement":
            raise ValueError(
                f"{method}() needs a density, and complement naive Bayes has none (its "
                "weights only rank the classes); use kind='multinomial'"
            )

    # -- inference -------------------------------------------------------------------------
    def _joint(self, X) -> jax.Array:
        params = self._params()
        x = self._features(X, fitting=False)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {x.shape[1]} features, but NaiveBayes is expecting "
                f"{self.n_features_in_} features as input"
            )
        return _joint_log_likelihood(self.kind, params, jnp.asarray(x))

    @requires_fit
    def predict_joint_log_proba(self, X) -> np.ndarray:
        """``[N, C]`` :math:`\\log p(y, x)`."""
        return np.asarray(self._joint(X))

    @requires_fit
    def predict_log_proba(self, X) -> np.ndarray:
        """``[N, C]`` :math:`\\log p(y \\mid x)`."""
        return np.asarray(jax.nn.log_softmax(self._joint(X), axis=1))

    @requires_fit
    def predict_proba(self, X) -> np.ndarray:
        """``[N, C]`` :math:`p(y \\mid x)`."""
        return np.asarray(jax.nn.softmax(self._joint(X), axis=1))

    @requires_fit
    def predict(self, X) -> np.ndarray:
        """``[N]`` the most probable class label."""
        best = np.asarray(jnp.argmax(self._joint(X), axis=1))
        return self.classes_[best]

    @requires_fit
    def score_samples(self, X) -> np.ndarray:
        """``[N]`` :math:`\\log p(x)` (the generative density, classes summed out)."""
        self._require_density("score_samples")
        return np.asarray(jax.nn.logsumexp(self._joint(X), axis=1))

    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None, total_count=None):
        """Draw ``(X [n, D], y [n])``: a class from the prior, then every feature.

        Args:
            n_samples: how many examples.
            key: PRNG key; ``random_state`` by default.
            total_count: multinomial only: tokens per example (``total_count_`` by default).
        """
        self._require_density("sample")
        params = self._params()
        if not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        total = (
            self.total_count_
            if self.kind == "multinomial" and total_count is None
            else (total_count or 0)
        )
        dtype = params["class_log_prior"].dtype
        x, labels = _sample(self.kind, params, self._key(key), n_samples, jnp.asarray(total, dtype))
        x = np.asarray(x)
        if self.kind in ("categorical", "multinomial"):
            x = np.rint(x).astype(np.int64)
        return x, self.classes_[np.asarray(labels)]
