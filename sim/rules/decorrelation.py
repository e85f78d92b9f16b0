"""Activity-based NP (ANP) and decorrelated NP (DNP), after Dalm, van Gerven & Ahmad (2023).

ANP (arXiv 2310.00965; code artcogsys/decorbp, ``node_perturbation/node_perturbation.py``):
NP's injected noise ``xi_l`` is replaced by the measured difference ``da_l`` of layer ``l``'s
input current between the noisy and the clean pass (time-averaged in spiking mode), which
includes the effect of upstream noise, and ``1/sigma^2`` by the reference's normaliser
``sqrt(N) / |da_b|^2``, ``N`` the number of perturbed units of all layers and ``|da_b|^2`` the
squared difference summed over all layers:

    G_l = (1/B) sum_b dL_b sqrt(N) / |da_b|^2 da_{l,b} xbar_{l,b}^T

DNP: layer ``l`` sees its input through a decorrelating matrix ``R_l`` (``z = R_l x``) and
learns the weights ``V_l`` on ``z`` by NP or ANP, so the network computes ``V_l [R_l x, 1]``.
``R_l`` learns by the reference's local rule (``decorrelation/decorrelation.py``,
``Decorrelation.update``, ``full=True``) on the clean pass's ``z``, ``C = z^T z / B``:

    R_l <- R_l - eps ((1 - kappa)/(d - 1) offdiag(C) + 2 kappa mean_i(C_ii - 1) I) R_l

Design (exact, no change to `Network`): the rule learns ``V_l`` (the reference's layer
weights) and writes the effective weights ``W_l = V_l Rt_l`` into the network, with ``Rt_l =
blockdiag(R_l, 1)`` (bias unchanged), so the network's forward pass is ``V_l [R_l x, 1]``. Its
estimate is ``G_V = coeff^T [R_l x, 1]``, the (A)NP estimate for ``V_l``, and `update` steps
``V_l`` with it (SGD, momentum or Adam, as the reference steps its layers' weights), then
updates every ``R_l`` on the batch's clean decorrelated inputs (the reference's order) and
rewrites ``W_l``: per layer and batch O(B d^2 + n d^2), no factorisation or solve.

T4 for DNP: with the NP estimator, an SGD step on ``V_l`` moves ``W_l`` by ``G_V Rt = G_NP Rt^T
Rt`` (``G_NP``: NP's estimate on the same draws; tested), so the second moment is T4's with the
symmetric matrix ``Rt^T Rt`` in place of LOCO's projector: decorrelation rescales the input
factor ``|x|^2`` to ``|Rt^T Rt x|^2`` and leaves the node-noise factor (all perturbed units, T2)
as it is (`analysis.layer_estimates`).
"""

from __future__ import annotations

import numpy as np

from ..losses import loss
from ..network import Network, Pass
from .base import Estimate
from .perturbation import NodePerturbation, outer_with_bias

__all__ = [
    "ESTIMATORS",
    "ActivityNodePerturbation",
    "DecorrelatedNodePerturbation",
    "decorrelation_step",
]

ESTIMATORS = ("anp", "np")


def decorrelation_step(r: np.ndarray, z: np.ndarray, lr: float, kappa: float) -> np.ndarray:
    """One step of the reference's decorrelation rule for ``R`` (d, d) on ``z = x R^T``.

    ``R - lr ((1 - kappa)/(d - 1) offdiag(C) + 2 kappa mean_i(C_ii - 1) I) R``, ``C = z^T z/B``.
    With fewer samples than inputs ``C R`` is formed as ``z^T (z R) / B``: O(B d^2), not O(d^3).

    Examples
    --------
    >>> z = np.array([[1.0, 1.0], [-1.0, -1.0]])
    >>> decorrelation_step(np.eye(2), z, 0.5, 0.0).tolist()
    [[1.0, -0.5], [-0.5, 1.0]]
    """
    d = r.shape[0]
    z = z.reshape(-1, d).astype(np.float64, copy=False)
    b = z.shape[0]
    variances = np.einsum("bi,bi->i", z, z) / b  # C_ii
    off = (1.0 - kappa) / max(d - 1, 1)
    cr = z.T @ (z @ r) / b if b < d else (z.T @ z / b) @ r  # C R
    cr *= off
    cr -= (off * variances)[:, None] * r  # the diagonal of C removed
    cr += (2.0 * kappa * np.mean(variances - 1.0)) * r
    return r - lr * cr


class ActivityNodePerturbation(NodePerturbation):
    """Activity-based node perturbation: NP with the measured current difference.

    Parameters
    ----------
    sigma : float
        Standard deviation of the injected node noise (> 0); the reference's default 1e-3.
        The estimate's scale does not depend on it (``da ~ sigma``, ``dL ~ sigma``).
    loss : {"mse", "cross_entropy"}
    noise : {"held", "step"}
        Noise held over the presentation or fresh each step (spiking mode); the estimate
        uses the time-averaged current difference and presynaptic rate either way.

    Notes
    -----
    Follows ``np_update`` and ``NPLinear.update`` of the reference (``scaling = delta_loss *
    sqrt_n / total_activity_norm``; ``grad = error_signal.T @ clean_input`` with
    ``error_signal = scaling * output_diff``), per sample: ``dL_b`` and ``|da_b|^2`` are the
    sample's own and the batch is averaged (the reference uses the batch-mean loss difference
    and sums the weight term over the batch). ``da`` is the difference of the perturbed nodes
    (input currents, the reference's ``Linear`` outputs plus noise); with
    ``Network.perturb == "activity"`` it is the activity difference masked by the clean
    ``f'(u)``, as NP masks its noise. ``sqrt(N)/|da_b|^2`` is a global scalar formed in the
    forward phase and broadcast like ``dL_b``: one update stage. For one layer with a loss
    quadratic in the currents (``da = xi``), the mean estimate is exactly the gradient divided
    by ``sqrt(N)`` (``E[xi xi^T / |xi|^2] = I/N``); deeper, upstream noise biases it.
    """

    name = "anp"

    def __init__(self, sigma: float = 1e-3, loss: str = "mse", noise: str = "held") -> None:
        super().__init__(sigma, loss, noise, "sigma2")

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        clean = net.forward(drive)
        batch = clean.output.shape[0]
        lead = (net.steps, batch) if self.noise == "step" and net.mode == "spiking" else (batch,)
        xi = [rng.normal(0.0, self.sigma, (*lead, n)) for n in net.sizes[1:]]
        noisy = net.forward(drive, xi, reuse=clean)
        clean_loss = loss(self.loss, clean.output, targets)
        dl = loss(self.loss, noisy.output, targets) - clean_loss
        da = [self._node_difference(net, clean, noisy, l) for l in range(net.depth)]
        norm = sum(np.einsum("bi,bi->b", d, d) for d in da)
        scale = np.divide(
            dl * np.sqrt(sum(net.sizes[1:])) / batch,
            norm,
            out=np.zeros_like(dl),
            where=norm > 0,
        )
        grads = [
            self.layer_estimate(l, d * scale[:, None], clean.pre_rates[l], clean.pre_rates[l])
            for l, d in enumerate(da)
        ]
        extras = {"dl": dl, "activity_norm": norm, "pre_rates": clean.pre_rates}
        return Estimate(grads, float(clean_loss.mean()), clean.output, extras)

    @staticmethod
    def _node_difference(net: Network, clean: Pass, noisy: Pass, l: int) -> np.ndarray:
        """``da_l`` (batch, n_l) in float64: current difference, or masked activity difference."""
        if net.perturb == "current":
            return noisy.currents[l].astype(np.float64) - clean.currents[l]
        after = [p.layer_inputs[l + 1] if l < net.depth - 1 else p.output for p in (noisy, clean)]
        diff = after[0].astype(np.float64) - after[1]
        return diff * net.activity_derivative(l, clean.currents[l])


class DecorrelatedNodePerturbation(ActivityNodePerturbation):
    """(A)NP on inputs decorrelated by a learned ``R_l`` per layer (module docstring).

    Parameters
    ----------
    sigma, loss, noise
        As in `ActivityNodePerturbation` (and `NodePerturbation` for ``estimator="np"``).
    estimator : {"anp", "np"}
        The weight estimate on the decorrelated inputs: ANP (the reference's ``np_train``,
        which combines ``np_update`` with the decorrelation layers) or NP (the paper's DNP).
    decor_lr : float
        Decorrelation learning rate ``eps`` (>= 0; the reference's ``--lr_decor`` 1e-3).
    kappa : float
        Weight of the unit-variance term in [0, 1] (the reference's default 1e-3).

    Attributes
    ----------
    decorrelators : list of ndarray
        ``R_l`` (n_{l-1}, n_{l-1}) per layer, identity on first use.
    weights : list of ndarray
        ``V_l`` per layer, the weights `update` steps (the network's weights on first use).
    """

    name = "dnp"

    def __init__(
        self,
        sigma: float = 1e-3,
        loss: str = "mse",
        noise: str = "held",
        estimator: str = "anp",
        decor_lr: float = 1e-3,
        kappa: float = 1e-3,
    ) -> None:
        super().__init__(sigma, loss, noise)
        if estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
        if not (np.isfinite(decor_lr) and decor_lr >= 0):
            raise ValueError(f"decor_lr must be a finite number >= 0, got {decor_lr!r}")
        if not 0 <= kappa <= 1:
            raise ValueError(f"kappa must be in [0, 1], got {kappa!r}")
        self.estimator, self.decor_lr, self.kappa = estimator, float(decor_lr), float(kappa)
        self.decorrelators: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []
        self._inputs: list[np.ndarray] = []  # the last batch's clean decorrelated inputs
        self._grads_v: list[np.ndarray] = []

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        """``G_V`` per layer for the network ``V_l [R_l x, 1]`` (see `update`)."""
        if [w.shape for w in self.weights] != [w.shape for w in net.weights]:
            self.decorrelators = [np.eye(n) for n in net.sizes[:-1]]
            self.weights = [w.astype(np.float64, copy=True) for w in net.weights]
        self._grads_v = [np.empty(0)] * net.depth
        self._inputs = [np.empty(0)] * net.depth
        base = ActivityNodePerturbation if self.estimator == "anp" else NodePerturbation
        est = base.estimate(self, net, drive, targets, rng)
        est.extras["decorrelated_grads"] = self._grads_v
        return est

    def layer_estimate(
        self, layer: int, coeff: np.ndarray, pre: np.ndarray, pre_rate: np.ndarray
    ) -> np.ndarray:
        """``G_V = coeff^T [R_l pre, 1]``; keeps ``R_l pre_rate`` for the decorrelation step."""
        r = self.decorrelators[layer]
        z = pre_rate @ r.T
        self._inputs[layer] = z
        grad_v = outer_with_bias(coeff, z if pre is pre_rate else pre @ r.T)
        self._grads_v[layer] = grad_v
        return grad_v

    def update(self, net: Network, grads: list[np.ndarray], optimizer) -> list[np.ndarray]:
        """Step ``V`` with ``G_V``, then `decorrelate`; returns the steps of ``V``."""
        steps = optimizer.apply(self.weights, grads, self)
        self.decorrelate(net)
        return steps

    def decorrelate(self, net: Network) -> None:
        """Update every ``R_l`` on the last estimate's clean ``z`` and write ``W_l = V_l Rt_l``."""
        for l, (v, w) in enumerate(zip(self.weights, net.weights, strict=True)):
            if self.decor_lr > 0 and self._inputs and self._inputs[l].size:
                self.decorrelators[l] = decorrelation_step(
                    self.decorrelators[l], self._inputs[l], self.decor_lr, self.kappa
                )
            np.matmul(v[:, :-1], self.decorrelators[l], out=w[:, :-1], casting="same_kind")
            w[:, -1] = v[:, -1]
        self._inputs = []
