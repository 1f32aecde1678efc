"""A table of figures once, shown two ways: in the terminal (rich) or as Markdown (a pull-request
comment, a ticket). The dry run and `leadscore compare` build `Grid`s and pick the rendering."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.markup import escape
from rich.table import Table


@dataclass(frozen=True)
class Grid:
    """A titled table of text cells; `right` names the columns aligned right (figures), `whole`
    the columns whose words are never cut in a narrow terminal (a lifecycle stage's name)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    right: frozenset[str] = field(default_factory=frozenset)
    whole: frozenset[str] = field(default_factory=frozenset)


def to_rich(grid: Grid, *, lines: bool = False) -> Table:
    table = Table(title=escape(grid.title), show_lines=lines, min_width=len(grid.title) + 4)
    for i, header in enumerate(grid.headers):
        words = [w for row in grid.rows for w in row[i].split()] if header in grid.whole else []
        table.add_column(escape(header), justify="right" if header in grid.right else "left",
                         min_width=max(map(len, words), default=None))
    for row in grid.rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


def _cell(text: str) -> str:
    """A Markdown table cell: pipes and HTML escaped (a CRM's text is anyone's), line breaks as <br>."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return text.replace("\r\n", "\n").replace("\n", "<br>") or " "


def to_markdown(grid: Grid, *, heading: str = "####") -> str:
    align = ["---:" if h in grid.right else "---" for h in grid.headers]
    lines = [f"{heading} {grid.title}", "", "| " + " | ".join(_cell(h) for h in grid.headers) + " |",
             "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in grid.rows]
    return "\n".join(lines) + "\n"


def moves_grid(title: str, moves: Counter, *, what: str = "leads", limit: int = 12,
               sides: tuple[str, str] = ("from", "to")) -> Grid:
    """(from, to) → count as a from → to table: the moves, most common first (the `limit` first,
    the rest summed on one row), then the count that stays where it is."""
    moved = sorted(((pair, n) for pair, n in moves.items() if pair[0] != pair[1]),
                   key=lambda item: (-item[1], item[0]))
    unchanged = sum(n for pair, n in moves.items() if pair[0] == pair[1])
    rows = [[old, new, f"{n:,}"] for (old, new), n in moved[:limit]]
    if len(moved) > limit:
        rest = moved[limit:]
        rows.append(["…", f"{len(rest)} other moves", f"{sum(n for _, n in rest):,}"])
    rows.append(["(unchanged)", "", f"{unchanged:,}"])
    changed = sum(n for _, n in moved)
    return Grid(f"{title}: {changed:,} of {changed + unchanged:,} {what} move", (*sides, what),
                rows, frozenset({what}), frozenset(sides))
