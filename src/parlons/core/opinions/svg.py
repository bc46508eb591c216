"""Accessible SVG opinion map: base clusters as discs, group hulls and labels."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import numpy as np

from parlons.core.opinions.pipeline import Analysis
from parlons.core.opinions.report import group_name

# Okabe-Ito colour-blind-safe palette
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain; returns hull vertices counter-clockwise."""
    pts = sorted({(float(x), float(y)) for x, y in points})
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def render_svg(a: Analysis, *, width: int = 640, height: int = 480) -> str:
    """The opinion map as an SVG document (title, description, one labelled layer per group)."""
    conv = a.conversation
    margin = 40
    centres, sizes = a.base_centres, a.base_sizes
    base_group = np.full(len(centres), -1)
    inside = a.base_labels >= 0
    base_group[a.base_labels[inside]] = a.groups[inside]
    if len(centres):
        lo, hi = centres.min(axis=0), centres.max(axis=0)
    else:
        lo, hi = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    span = np.maximum(hi - lo, 1e-9)
    scale = min((width - 2 * margin) / span[0], (height - 2 * margin) / span[1])
    offset = np.array([width, height]) / 2 - scale * (lo + hi) / 2

    def xy(p: np.ndarray) -> tuple[float, float]:
        return float(offset[0] + scale * p[0]), float(height - (offset[1] + scale * p[1]))

    title = f"Opinion map: {conv.title}" if conv.title else "Opinion map"
    sizes_text = ", ".join(f"group {group_name(g)} {int((a.groups == g).sum())} participants"
                           for g in range(a.n_groups))
    desc = (f"{int(a.in_conv.sum())} participants placed by their votes on "
            f"{conv.n_statements} statements and divided into {a.n_groups} opinion groups"
            + (f": {sizes_text}" if sizes_text else "") + ". Each disc is a cluster of "
            "participants who voted alike; its area is proportional to its size. "
            "Participants close to each other voted alike.")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="map-title map-desc" '
        'font-family="sans-serif">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    ox, oy = xy(np.zeros(2))
    out.append(f'<g stroke="#bbbbbb" stroke-width="1" aria-hidden="true">'
               f'<line x1="0" y1="{oy:.1f}" x2="{width}" y2="{oy:.1f}"/>'
               f'<line x1="{ox:.1f}" y1="0" x2="{ox:.1f}" y2="{height}"/></g>')
    r_max = 18.0
    s_max = float(sizes.max()) if len(sizes) else 1.0
    for g in range(a.n_groups):
        colour = PALETTE[g % len(PALETTE)]
        members = np.flatnonzero(base_group == g)
        n_g = int((a.groups == g).sum())
        label = f"Group {group_name(g)}, {n_g} participants"
        out.append(f'<g class="group" aria-label={quoteattr(label)}>')
        out.append(f"<title>{escape(label)}</title>")
        hull = convex_hull(centres[members]) if len(members) else np.zeros((0, 2))
        if len(hull) >= 3:
            pts = " ".join("{:.1f},{:.1f}".format(*xy(p)) for p in hull)
            out.append(f'<polygon points="{pts}" fill="{colour}" fill-opacity="0.15" '
                       f'stroke="{colour}" stroke-width="1.5"/>')
        for b in members:
            cx, cy = xy(centres[b])
            r = max(2.0, r_max * np.sqrt(sizes[b] / s_max))
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}" '
                       'fill-opacity="0.75"/>')
        lx, ly = xy(a.group_centres[g])
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="16" '
                   'font-weight="bold" fill="#111111" stroke="#ffffff" stroke-width="4" '
                   f'paint-order="stroke">{escape(group_name(g))} ({n_g})</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
