"""Per-class precision, recall, F1 and support from a confusion matrix (rows: true, columns: predicted)."""

from __future__ import annotations


def per_class(labels: list[str], confusion: list[list[int]]) -> dict[str, dict[str, float]]:
    """{label: {precision, recall, f1, support}}; 0.0 where a ratio has no denominator."""
    report = {}
    for index, label in enumerate(labels):
        true_positive = confusion[index][index]
        support = sum(confusion[index])
        predicted = sum(row[index] for row in confusion)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[label] = {"precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6),
                         "support": int(support)}
    return report
