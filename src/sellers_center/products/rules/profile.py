"""What the rules need to know about one category, derived once per batch from the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from sellers_center.catalog.document import AttributeGroupEntry, CompositionType, Role
from sellers_center.catalog.snapshot import Catalog

# The top-level field that carries the values of each group role; ids of these groups may not
# be repeated in ``attributes``.
FIELD_OF_ROLE = {
    Role.COLOR: "color",
    Role.SIZE: "size",
    Role.SECOND_SIZE: "second_size",
    Role.BRAND: "brand",
    Role.MATERIAL_CLUSTER: "material composition",
    Role.MATERIAL: "material composition",
}


@dataclass(frozen=True, slots=True)
class CategoryProfile:
    id: int
    path: str
    is_leaf: bool
    composition: CompositionType | None
    colors: frozenset[int]
    size_group: AttributeGroupEntry | None
    sizes: frozenset[int]
    second_sizes: frozenset[int]
    clusters: frozenset[int]
    materials: frozenset[int]
    specific_groups: dict[int, AttributeGroupEntry]
    """Category-specific groups (role other) by the id of each of their attributes."""
    required_groups: tuple[AttributeGroupEntry, ...]


def _ids(groups: list[AttributeGroupEntry], role: Role) -> frozenset[int]:
    return frozenset(a.id for g in groups if g.role == role for a in g.attributes)


def build_profile(catalog: Catalog, category_id: int) -> CategoryProfile | None:
    node = catalog.categories.get(category_id)
    if node is None:
        return None
    groups = catalog.groups_of(category_id)
    specific = [group for group in groups if group.role == Role.OTHER]
    return CategoryProfile(
        id=category_id,
        path=node.path,
        is_leaf=node.is_leaf,
        composition=node.entry.material_composition_type,
        colors=_ids(groups, Role.COLOR),
        size_group=next((g for g in groups if g.role == Role.SIZE), None),
        sizes=_ids(groups, Role.SIZE),
        second_sizes=_ids(groups, Role.SECOND_SIZE),
        clusters=_ids(groups, Role.MATERIAL_CLUSTER),
        materials=_ids(groups, Role.MATERIAL),
        specific_groups={a.id: g for g in specific for a in g.attributes},
        required_groups=tuple(g for g in specific if g.required),
    )
