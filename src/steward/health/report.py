"""The health report as a self-contained HTML page with plots (matplotlib, embedded PNG).

Four plots: the distribution of libyears over packages, the distribution's total libyears
over time, SIGs side by side (median and dependency-weighted libyears), and the ranking
of packages by libyears weighted by reverse dependencies. Everything from the tree is
HTML-escaped; the page loads nothing from anywhere.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from steward.health.summary import DistroHealth, GroupSummary, PackageHealth

__all__ = ["PLOTS", "render_html", "render_plots", "weighted_ranking"]

_RANKED = 20


def weighted_ranking(health: DistroHealth, limit: int = _RANKED) -> list[tuple[str, float]]:
    """Packages by libyears x (1 + reverse dependencies), largest first (zero left out)."""
    scored = [(p.name, (p.metric("libyears") or 0.0) * (1 + p.dependents)) for p in health.packages]
    return sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0]))[:limit]


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot.subplots(figsize=(7, 3.6), dpi=100)


def _lag_distribution(health: DistroHealth, axes: Any) -> None:
    values = [v for v in (p.metric("libyears") for p in health.packages) if v is not None]
    axes.hist(values or [0.0], bins=min(20, max(5, len(values) // 2 or 1)), color="#4c72b0")
    axes.set_title(f"Technical lag of {len(values)} packages")
    axes.set_xlabel("libyears")
    axes.set_ylabel("packages")


def _lag_over_time(health: DistroHealth, axes: Any) -> None:
    dates = [d for d, _ in health.lag_over_time]
    axes.plot(dates, [v for _, v in health.lag_over_time], marker="o", color="#dd8452")
    axes.set_title("Distribution lag over time (sum of libyears)")
    axes.set_ylabel("libyears")
    axes.tick_params(axis="x", labelrotation=30, labelsize=8)


def _per_sig(health: DistroHealth, axes: Any) -> None:
    sigs: list[GroupSummary] = list(health.sigs)
    names = [s.name for s in sigs]
    positions = range(len(sigs))
    median = [s.value("libyears", "median") or 0.0 for s in sigs]
    weighted = [s.value("libyears", "weighted") or 0.0 for s in sigs]
    axes.bar([i - 0.2 for i in positions], median, 0.4, label="median", color="#55a868")
    axes.bar([i + 0.2 for i in positions], weighted, 0.4, label="weighted", color="#c44e52")
    axes.set_xticks(list(positions), names, rotation=20, fontsize=8)
    axes.set_title("Libyears per SIG (median; weighted by reverse dependencies)")
    axes.legend()


def _ranking(health: DistroHealth, axes: Any) -> None:
    ranked = weighted_ranking(health)[::-1]
    axes.barh([n for n, _ in ranked], [s for _, s in ranked], color="#8172b3")
    axes.set_title("Lag weighted by reverse dependencies: libyears x (1 + dependents)")
    axes.tick_params(axis="y", labelsize=7)


PLOTS: dict[str, Callable[[DistroHealth, Any], None]] = {
    "lag-distribution": _lag_distribution,
    "lag-over-time": _lag_over_time,
    "per-sig": _per_sig,
    "weighted-ranking": _ranking,
}


def render_plots(health: DistroHealth) -> dict[str, bytes]:
    """Every plot as PNG bytes, by name."""
    from matplotlib import pyplot

    images: dict[str, bytes] = {}
    for name, draw in PLOTS.items():
        figure, axes = _figure()
        try:
            draw(health, axes)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            images[name] = buffer.getvalue()
        finally:
            pyplot.close(figure)
    return images


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return html.escape(str(value))


def _package_row(p: PackageHealth) -> str:
    lag = p.lag
    m = p.maintenance
    r = p.review
    cells = [
        p.name,
        p.sig,
        p.verdict.status.value,
        p.dependents,
        lag.versions_behind if lag else None,
        lag.days_behind if lag else None,
        lag.libyears if lag else None,
        m.commits_last_year if m else None,
        m.contributor_absence_factor if m else None,
        m.days_since_last_change if m else None,
        r.change_request_closure_ratio if r else None,
        "; ".join(p.verdict.reasons),
    ]
    return "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>"


_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:75em}"
    "table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:.2em .5em}"
    "th{background:#eee}img{max-width:100%}"
)


def render_html(health: DistroHealth, plot_dir: Path | None = None) -> str:
    """The report page; with ``plot_dir`` the plots are also written there as PNG files."""
    images = render_plots(health)
    if plot_dir is not None:
        plot_dir.mkdir(parents=True, exist_ok=True)
        for name, data in images.items():
            (plot_dir / f"{name}.png").write_bytes(data)
    figures = "".join(
        f'<figure><img alt="{name}" src="data:image/png;base64,'
        f'{base64.b64encode(data).decode()}"><figcaption>{name}</figcaption></figure>'
        for name, data in images.items()
    )
    head = ["SIG", "packages", *(s for s in health.distribution.statuses)]
    head += ["libyears sum", "libyears median", "libyears weighted"]
    rows = []
    for group in (*health.sigs, health.distribution):
        cells = [group.name, group.packages, *group.statuses.values()]
        cells += [group.value("libyears", m) for m in ("sum", "median", "weighted")]
        rows.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
    package_head = [
        "package", "SIG", "status", "reverse deps", "versions behind", "days behind",
        "libyears", "commits (1y)", "absence factor", "days since change", "closure ratio",
        "reasons",
    ]  # fmt: skip
    warnings = (
        "".join(f"<li>{html.escape(n)}</li>" for n in health.early_warnings) or "<li>none</li>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Health of {html.escape(health.tree)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Health of {html.escape(health.tree)}</h1>"
        f"<p>Generated {health.generated_at.isoformat(timespec='seconds')}; "
        f"{len(health.packages)} packages.</p>{figures}"
        "<h2>Per SIG and for the distribution</h2><table><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + f"</table><h2>Early warnings</h2><ul>{warnings}</ul><h2>Packages</h2><table><tr>"
        + "".join(f"<th>{h}</th>" for h in package_head)
        + "</tr>"
        + "".join(_package_row(p) for p in health.packages)
        + "</table></body></html>"
    )
