"""The bar chart of ``make bench-peers``: each variant's cost over the hand-written way."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # no display: a file only
import matplotlib.pyplot as plt

#: column title: {variant label: ratio or None (not measured)}
Series = dict[str, dict[str, float | None]]


def draw(series: Series, labels: list[str], path: Path) -> None:
    """Grouped bars on a log scale (the agents span 0.7x to 20x), 1.0 = the hand-written way."""
    figure, axes = plt.subplots(figsize=(9, 3.8), dpi=80)
    width = 0.8 / len(series)
    colours = ["#4c72b0", "#55a868", "#c44e52", "#8172b2"]
    for index, (column, ratios) in enumerate(series.items()):
        xs = [n + (index - (len(series) - 1) / 2) * width for n in range(len(labels))]
        heights = [ratios.get(label) or 0 for label in labels]
        axes.bar(xs, heights, width, label=column, color=colours[index % len(colours)])
    axes.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    axes.set_yscale("log")
    axes.set_ylim(0.4, None)
    axes.set_yticks([0.5, 1, 2, 5, 10, 20])
    axes.set_yticklabels(["0.5", "1", "2", "5", "10", "20"])
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(labels, fontsize=8)
    axes.set_ylabel("CPU per request / the hand-written way")
    axes.set_title("Cost per request against the hand-written way (lower is better)")
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
