"""The plan grid: stores down, product lines across, revenue and units in every cell.

Cells are posted as `revenue-<store id>-<line id>` and `units-<store id>-<line id>`; parsing
keeps what was typed (to show it again with its error) beside the parsed figure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal import money
from portal.models import ProductLine, Store

CELL_NAME = re.compile(r"^(revenue|units)-([0-9]{1,12})-([0-9]{1,12})$")
Key = tuple[int, int]  # (store id, product line id)
Values = dict[Key, tuple[int, int]]  # (revenue in minor units, units)


@dataclass
class Cell:
    store_id: int
    line_id: int
    revenue_text: str = ""
    units_text: str = ""
    revenue: int | None = None
    units: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def revenue_name(self) -> str:
        return f"revenue-{self.store_id}-{self.line_id}"

    @property
    def units_name(self) -> str:
        return f"units-{self.store_id}-{self.line_id}"

    @property
    def is_empty(self) -> bool:
        return not self.revenue and not self.units


@dataclass
class Grid:
    stores: Sequence[Store]
    lines: Sequence[ProductLine]
    cells: dict[Key, Cell]
    errors: list[str] = field(default_factory=list)

    def cell(self, store_id: int, line_id: int) -> Cell:
        return self.cells[(store_id, line_id)]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(cell.errors for cell in self.cells.values())

    def values(self) -> Values:
        """The non-empty cells as (revenue, units)."""
        return {
            key: (cell.revenue or 0, cell.units or 0)
            for key, cell in self.cells.items()
            if not cell.is_empty
        }

    def row_total(self, store_id: int) -> tuple[int, int]:
        return _sum(cell for (s, _l_id), cell in self.cells.items() if s == store_id)

    def column_total(self, line_id: int) -> tuple[int, int]:
        return _sum(cell for (_s, line), cell in self.cells.items() if line == line_id)

    def grand_total(self) -> tuple[int, int]:
        return _sum(self.cells.values())


def _sum(cells) -> tuple[int, int]:
    revenue = units = 0
    for cell in cells:
        revenue += cell.revenue or 0
        units += cell.units or 0
    return revenue, units


def from_values(stores: Sequence[Store], lines: Sequence[ProductLine], values: Values) -> Grid:
    """A grid showing stored figures."""
    cells = {}
    for store in stores:
        for line in lines:
            revenue, units = values.get((store.id, line.id), (None, None))
            cells[(store.id, line.id)] = Cell(
                store.id,
                line.id,
                revenue_text=money.input_text(revenue) if revenue else "",
                units_text=str(units) if units else "",
                revenue=revenue,
                units=units,
            )
    return Grid(stores, lines, cells)


def parse(
    form: Mapping[str, str],
    stores: Sequence[Store],
    lines: Sequence[ProductLine],
    *,
    max_money: int,
    max_count: int,
) -> Grid:
    """Read every cell of the grid from posted form data, with an error per bad cell."""
    grid = from_values(stores, lines, {})
    for cell in grid.cells.values():
        cell.revenue_text = (form.get(cell.revenue_name) or "").strip()[:40]
        cell.units_text = (form.get(cell.units_name) or "").strip()[:40]
        try:
            cell.revenue = money.parse_money(cell.revenue_text, max_major=max_money)
        except money.FigureError as error:
            cell.errors.append(str(error.message))
        try:
            cell.units = money.parse_count(cell.units_text, maximum=max_count)
        except money.FigureError as error:
            cell.errors.append(str(error.message))
    _check_unknown_cells(form, grid)
    return grid


def _check_unknown_cells(form: Mapping[str, str], grid: Grid) -> None:
    """A posted cell for a store or product line outside the grid is an error, not ignored."""
    known_stores = {store.id for store in grid.stores}
    known_lines = {line.id for line in grid.lines}
    for name in form:
        match = CELL_NAME.match(name)
        if match is None or not (form.get(name) or "").strip():
            continue
        store_id, line_id = int(match.group(2)), int(match.group(3))
        if store_id not in known_stores:
            grid.errors.append(
                str(_l("Store #%(id)s is not one of this dealer's stores.", id=store_id))
            )
        elif line_id not in known_lines:
            grid.errors.append(
                str(_l("Product line #%(id)s is not an active product line.", id=line_id))
            )
    grid.errors = sorted(set(grid.errors))
