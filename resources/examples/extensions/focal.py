"""A focal loss and a domain metric for Airlock (training.loss and evaluation.metrics).

    allow_custom_code: true
    training:
      loss: {path: focal.py:focal_loss, args: {gamma: 2.0}}
    evaluation:
      metrics:
        - {path: focal.py:cost_weighted_error, args: {costs: {complaint: 5.0}}}

Airlock's built-in `loss: {name: focal, gamma: 2}` does the same as focal_loss; this file shows the shape of
your own: a loss is called with the logits and the labels of a batch (and the args) and returns a scalar
tensor the model learns from; a metric is called once per epoch with every validation row and returns a float.
"""

import torch
from torch.nn import functional


def focal_loss(logits: torch.Tensor, labels: torch.Tensor, gamma: float = 2.0) -> torch.Tensor:
    """Cross-entropy scaled by (1 - p)^gamma, p the probability of the true label: rows already right count less."""
    each = functional.cross_entropy(logits.float(), labels, reduction="none")
    return ((1 - torch.exp(-each)) ** gamma * each).mean()


def cost_weighted_error(preds: torch.Tensor, labels: torch.Tensor, label_names: list, costs: dict | None = None) -> float:
    """Mean cost of the mistakes: missing a row of label L costs costs[L] (1.0 for labels not named); right rows cost 0.

    Lower is better. With costs {complaint: 5.0}, one missed complaint weighs as much as five other mistakes.
    """
    costs = costs or {}
    weights = torch.tensor([float(costs.get(name, 1.0)) for name in label_names])
    wrong = (preds != labels).float()
    return float((wrong * weights[labels]).mean())
