"""Per-class precision, recall, F1 and support from confusion matrices."""

from __future__ import annotations


def per_class(labels: list[str], confusion: list[list[int]]) -> dict[str, dict[str, float]]:
    """{label: {precision, recall, f1, support}} from one matrix (rows: true, columns: predicted)."""
    return {label: _scores(confusion[index][index], sum(row[index] for row in confusion), sum(confusion[index]))
            for index, label in enumerate(labels)}


def per_label(labels: list[str], matrices: list[list[list[int]]]) -> dict[str, dict[str, float]]:
    """The same from one 2x2 matrix per label, [[tn, fp], [fn, tp]] (multi-label)."""
    return {label: _scores(matrix[1][1], matrix[0][1] + matrix[1][1], matrix[1][0] + matrix[1][1])
            for label, matrix in zip(labels, matrices)}


def _scores(true_positive: int, predicted: int, support: int) -> dict[str, float]:
    # 0.0 where a ratio has no denominator
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6), "support": int(support)}
