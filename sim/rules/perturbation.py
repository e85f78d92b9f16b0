"""Node perturbation (NP) and weight perturbation (WP).

NP (parallel, baseline-subtracted): a clean and a perturbed pass on the same encoded input;
``xi_l ~ N(0, sigma^2 I)`` is added to every layer's input current, held for the presentation
(``noise="held"``) or fresh each step (``noise="step"``). With ``dL_b = L_b(perturbed) -
L_b(clean)`` (float64) each layer's estimate is

    held:  G_l = (1/B) sum_b (dL_b / sigma^2) xi_{l,b} xbar_{l,b}^T
    step:  G_l = (1/B) sum_b (dL_b / sigma^2) sum_t xi_{l,b,t} x_{l,b,t}^T

with ``xbar`` the clean pass's presynaptic rate and a constant 1 appended for the bias. Every
layer needs only the broadcast scalar ``dL_b`` and its own ``xi`` and ``x``: one update stage.

WP: one weight perturbation ``Psi_l ~ N(0, sigma^2)`` per batch, ``G_l = (dL / sigma^2) Psi_l``
with ``dL`` the batch-mean loss difference.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..losses import LOSSES, loss
from ..network import Network
from .base import Estimate, LearningRule

__all__ = [
    "NOISE_MODES",
    "SCALINGS",
    "NodePerturbation",
    "ProjectedNodePerturbation",
    "WeightPerturbation",
    "outer_with_bias",
]

NOISE_MODES = ("held", "step")
SCALINGS = ("sigma2", "authors")


def outer_with_bias(coeff: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``coeff^T [x, 1]`` summed over all leading axes: shape (n_out, n_in + 1), float64.

    The product runs in the dtype of ``x`` (float32 activity: a float32 GEMM); the result is
    returned in float64.

    Examples
    --------
    >>> outer_with_bias(np.array([[1.0], [2.0]]), np.array([[3.0], [4.0]])).tolist()
    [[11.0, 3.0]]
    """
    coeff = coeff.reshape(-1, coeff.shape[-1])
    x = x.reshape(-1, x.shape[-1])
    out = np.empty((coeff.shape[1], x.shape[1] + 1))
    out[:, :-1] = coeff.T.astype(x.dtype, copy=False) @ x
    out[:, -1] = coeff.sum(axis=0)
    return out


def _check_common(sigma: float, loss_name: str) -> None:
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a finite number > 0, got {sigma!r}")
    if loss_name not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss_name!r}")


class NodePerturbation(LearningRule):
    """Parallel node perturbation with a per-sample clean baseline.

    Parameters
    ----------
    sigma : float
        Standard deviation of the node noise (> 0). The default 0.1 is one spike quantum at the
        spiking network's 10 steps per presentation, the workflow's setting: noise well below
        1/steps rarely changes a spike and the estimate loses its signal (F12 measures it).
    loss : {"mse", "cross_entropy"}
    noise : {"held", "step"}
        Perturbation held over the presentation or drawn fresh each step (spiking mode).
    scaling : {"sigma2", "authors"}
        ``sigma2``: ``G_l`` above, an estimate of the gradient. ``authors``: the scaling of the
        authors' code (zgmaguoqing/LOCO), ``sigma^2 G_l / c_l`` with ``c_l`` = 256 for hidden
        layers and 10 for the output layer, hard-coded there (no ``1/sigma^2``).

    With ``Network.perturb == "activity"`` the noise is added to each layer's output activity
    and the estimate is masked by the activity's derivative (chain rule; silent or saturated
    units get no update): ``xi -> xi * f'(u)``.
    """

    name = "np"

    def __init__(
        self, sigma: float = 0.1, loss: str = "mse", noise: str = "held", scaling: str = "sigma2"
    ) -> None:
        _check_common(sigma, loss)
        if noise not in NOISE_MODES:
            raise ValueError(f"noise must be one of {NOISE_MODES}, got {noise!r}")
        if scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
        self.sigma, self.loss, self.noise, self.scaling = float(sigma), loss, noise, scaling

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        per_step = self.noise == "step" and net.mode == "spiking"
        clean = net.forward(drive, record=per_step)
        batch = clean.output.shape[0]
        lead = (net.steps, batch) if per_step else (batch,)
        xi = [rng.normal(0.0, self.sigma, (*lead, n)) for n in net.sizes[1:]]
        noisy = net.forward(drive, xi, reuse=clean)
        clean_loss = loss(self.loss, clean.output, targets)
        dl = loss(self.loss, noisy.output, targets) - clean_loss
        coeff = dl / (self.sigma**2 * batch)
        grads = []
        for l, noise in enumerate(xi):
            pre = clean.pre_steps[l] if per_step else clean.pre_rates[l]
            if net.perturb == "activity":
                noise = noise * net.activity_derivative(l, clean.currents[l])
            scale = coeff
            if self.scaling == "authors":
                scale = coeff * (self.sigma**2 / (10.0 if l == net.depth - 1 else 256.0))
            grads.append(self.layer_estimate(l, noise * scale[:, None], pre, clean.pre_rates[l]))
        extras = {"dl": dl, "pre_rates": clean.pre_rates}
        return Estimate(grads, float(clean_loss.mean()), clean.output, extras)

    def layer_estimate(
        self, layer: int, coeff: np.ndarray, pre: np.ndarray, pre_rate: np.ndarray
    ) -> np.ndarray:
        """``G_l = coeff^T [pre, 1]`` (summed over samples and steps); LOCO projects it here.

        ``pre_rate`` is the layer's time-averaged clean input (equal to ``pre`` for held noise).
        """
        return outer_with_bias(coeff, pre)


class ProjectedNodePerturbation(NodePerturbation):
    """NP whose every layer owns a projector of class ``option_class`` (LOCO and its port).

    The keyword options of ``option_class`` are the rule's too (see `sim.rules.make_rule`);
    they are validated at construction, and one projector per layer is made on first use.
    """

    option_class: type = object

    def __init__(
        self,
        sigma: float = 0.1,
        loss: str = "mse",
        noise: str = "held",
        scaling: str = "sigma2",
        **projector,
    ) -> None:
        super().__init__(sigma, loss, noise, scaling)
        self.option_class(**projector)  # validate now, before any work
        self.projector_options = projector
        self.projectors: list = []

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        if len(self.projectors) != net.depth:
            make = self.option_class
            self.projectors = [make(**self.projector_options) for _ in range(net.depth)]
        return super().estimate(net, drive, targets, rng)


class WeightPerturbation(LearningRule):
    """Weight perturbation: one Gaussian weight perturbation per batch, clean baseline."""

    name = "wp"

    def __init__(self, sigma: float = 0.01, loss: str = "mse") -> None:
        _check_common(sigma, loss)
        self.sigma, self.loss = float(sigma), loss

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        clean = net.forward(drive)
        psi = [rng.normal(0.0, self.sigma, w.shape) for w in net.weights]
        shifted = dataclasses.replace(
            net, weights=[w + p for w, p in zip(net.weights, psi, strict=True)]
        )
        clean_loss = loss(self.loss, clean.output, targets)
        dl = float(np.mean(loss(self.loss, shifted.forward(drive).output, targets) - clean_loss))
        grads = [p * (dl / self.sigma**2) for p in psi]
        return Estimate(grads, float(clean_loss.mean()), clean.output, {"dl": dl})
