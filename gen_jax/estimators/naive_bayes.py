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
- ``gaussian``: :math:`\mathcal N(x_j; \mu_{yj}, \sigma^2_{yj} + \epsilon)`.

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

from gen_jax.estimators.base import Estimator, requires_fit
from gen_jax.estimators.validation import check_matrix

__all__ = ["NaiveBayes"]

KINDS = ("categorical", "gaussian", "bernoulli", "multinomial")


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
    if kind == "bernoulli":
        log_q = jnp.log1p(-jnp.exp(log_p))
        return x @ log_p.T + (1 - x) @ log_q.T + log_prior
    return x @ log_p.T + log_prior


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


class NaiveBayes(Estimator):
    """Naive Bayes classifier and sampler (scikit-learn style; see the module docstring).

    Args:
        kind: ``"categorical"``, ``"gaussian"``, ``"bernoulli"`` or ``"multinomial"``.
        alpha: additive smoothing (>= 0; 0 is the MLE, giving zero probabilities).
        var_smoothing: Gaussian variance floor as a fraction of the largest variance.
        binarize: Bernoulli threshold (``x > binarize`` is 1); None if already 0/1.
        fit_prior: learn :math:`p(y)`; otherwise uniform (or ``class_prior``).
        class_prior: ``[C]`` fixed class probabilities.
        random_state: int seed, ``None`` or a JAX key, used when ``sample`` gets no ``key``.

    Attributes (after ``fit``): classes_, class_count_, class_log_prior_;
    ``feature_log_prob_`` (categorical ``[C, D, K]`` padded with -inf, bernoulli /
    multinomial ``[C, D]``), n_categories_ (categorical); theta_, var_, epsilon_ (gaussian);
    total_count_ (multinomial: the rounded mean row total, used by ``sample``).
    """

    _fitted_attributes = ("classes_",)
    _fit_call = "fit(X, y)"

    def __init__(
        self,
        kind: str = "categorical",
        *,
        alpha: float = 1.0,
        var_smoothing: float = 1e-9,
        binarize: float | None = 0.0,
        fit_prior: bool = True,
        class_prior=None,
        random_state: int = 0,
    ):
        if kind not in KINDS:
            raise ValueError(f"kind={kind!r}; choose one of {KINDS}")
        if not (alpha >= 0 and np.isfinite(alpha)):
            raise ValueError(f"alpha={alpha!r}: must be a finite number >= 0")
        if not var_smoothing >= 0:
            raise ValueError(f"var_smoothing={var_smoothing!r}: must be >= 0")
        self.kind, self.alpha, self.var_smoothing, self.binarize = (
            kind,
            alpha,
            var_smoothing,
            binarize,
        )
        self.fit_prior, self.class_prior, self.random_state = fit_prior, class_prior, random_state

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
        if self.kind == "multinomial" and (x < 0).any():
            raise ValueError("X holds negative counts; multinomial naive Bayes needs counts >= 0")
        if self.kind == "bernoulli" and self.binarize is not None:
            x = (x > self.binarize).astype(x.dtype)
        return x.astype(jax.dtypes.canonicalize_dtype(np.float64))

    def fit(self, X, y=None):
        """Estimate the class prior and the per-class feature distributions; returns self.

        Args:
            X: ``[N, D]`` features (category indices, reals, 0/1 or counts by ``kind``).
            y: ``[N]`` class labels; None fits one class (the independent model).
        """
        x = self._features(X, fitting=True)
        y = np.zeros(len(x), np.int64) if y is None else np.asarray(y)
        if y.shape != (len(x),):
            raise ValueError(f"y has shape {y.shape}; pass one label per row of X ({len(x)},)")
        self.classes_, labels = np.unique(y, return_inverse=True)
        num_classes = len(self.classes_)
        onehot = np.eye(num_classes)[labels]  # [N, C]
        self.class_count_ = onehot.sum(0)
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
        with np.errstate(divide="ignore"):
            self.class_log_prior_ = np.log(prior)
            self._fit_features(x, onehot)
        self.n_features_in_ = x.shape[1]
        return self

    def _fit_features(self, x, onehot):
        alpha = self.alpha
        if self.kind == "categorical":
            self.n_categories_ = x.max(0).astype(np.int64) + 1
            width = int(self.n_categories_.max())
            counts = np.einsum("nc,ndk->cdk", onehot, np.eye(width)[x])
            totals = self.class_count_[:, None, None] + alpha * self.n_categories_[None, :, None]
            valid = np.arange(width)[None, None] < self.n_categories_[None, :, None]
            self.feature_log_prob_ = np.where(valid, np.log((counts + alpha) / totals), -np.inf)
        elif self.kind == "gaussian":
            self.epsilon_ = self.var_smoothing * np.var(x.astype(np.float64), axis=0).max()
            counts = self.class_count_[:, None]
            self.theta_ = onehot.T @ x / counts
            self.var_ = onehot.T @ (x - onehot @ self.theta_) ** 2 / counts + self.epsilon_
        elif self.kind == "bernoulli":
            counts = onehot.T @ x
            self.feature_log_prob_ = np.log(
                (counts + alpha) / (self.class_count_[:, None] + 2 * alpha)
            )
        else:
            counts = onehot.T @ x
            self.feature_log_prob_ = np.log(
                (counts + alpha) / (counts.sum(1, keepdims=True) + alpha * x.shape[1])
            )
            self.total_count_ = max(1, int(round(float(x.sum(1).mean()))))

    def _params(self) -> dict:
        dtype = jax.dtypes.canonicalize_dtype(np.float64)
        params = {"class_log_prior": jnp.asarray(self.class_log_prior_, dtype)}
        if self.kind == "gaussian":
            params["theta"] = jnp.asarray(self.theta_, dtype)
            params["var"] = jnp.asarray(self.var_, dtype)
        else:
            params["feature_log_prob"] = jnp.asarray(self.feature_log_prob_, dtype)
        return params

    # -- inference -------------------------------------------------------------------------
    def _joint(self, X) -> jax.Array:
        params = self._params()
        x = self._features(X, fitting=False)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {x.shape[1]} features; this model was fitted on {self.n_features_in_}"
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
        return np.asarray(jax.nn.logsumexp(self._joint(X), axis=1))

    @requires_fit
    def score(self, X, y) -> float:
        """Classification accuracy on ``(X, y)`` (scikit-learn's classifier score)."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None, total_count=None):
        """Draw ``(X [n, D], y [n])``: a class from the prior, then every feature.

        Args:
            n_samples: how many examples.
            key: PRNG key; ``random_state`` by default.
            total_count: multinomial only: tokens per example (``total_count_`` by default).
        """
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
