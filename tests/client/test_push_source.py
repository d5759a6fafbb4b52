"""Reading a push's file: JSON lines, a JSON array streamed element by element, CSV through its
column mapping; each bad item named by its line, every item checked before anything is sent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from sellers_center_client._kind import PRODUCTS, STOCKS
from sellers_center_client.push import (
    PushError,
    SourceError,
    SourceFormat,
    plan_push,
    read_items,
)
from sellers_center_client.push import _source as source
from sellers_center_client.push._source import detect_format


def lines_and_fields(path: Path, source_format: SourceFormat) -> list[tuple[int, int, Any]]:
    return [(item.number, item.line, item.fields) for item in read_items(path, source_format)]


def error_of(path: Path, source_format: SourceFormat) -> SourceError:
    with pytest.raises(SourceError) as raised:
        list(read_items(path, source_format))
    return raised.value


# --- JSON lines -----------------------------------------------------------------------------


def test_json_lines_give_each_item_with_its_line_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"sku": "A", "quantity": 1}\n\n  \n{"sku": "B", "quantity": 2}\n')

    assert lines_and_fields(path, SourceFormat.JSONL) == [
        (1, 1, {"sku": "A", "quantity": 1}),
        (2, 4, {"sku": "B", "quantity": 2}),
    ]


def test_a_bad_json_line_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"sku": "A", "quantity": 1}\n{"sku": "B", "quantity": 2}\n{"sku": "C",\n')

    error = error_of(path, SourceFormat.JSONL)

    assert (error.line, str(error)) == (
        3,
        f"{path}, line 3: not valid JSON: Expecting property name enclosed in double quotes",
    )


def test_a_json_line_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"sku": "A", "quantity": 1}\n[1, 2]\n')

    assert str(error_of(path, SourceFormat.JSONL)) == (
        f"{path}, line 2: an item must be a JSON object, got list"
    )


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"sku": "\xff"}\n')

    assert str(error_of(path, SourceFormat.JSONL)) == f"{path}: not UTF-8 text (invalid start byte)"


# --- a JSON array ---------------------------------------------------------------------------


def test_a_json_array_gives_each_element_with_the_line_it_starts_on(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text('[\n  {"sku": "A",\n   "quantity": 1},\n  {"sku": "B", "quantity": 2}\n]\n')

    assert lines_and_fields(path, SourceFormat.JSON) == [
        (1, 2, {"sku": "A", "quantity": 1}),
        (2, 4, {"sku": "B", "quantity": 2}),
    ]


def test_a_json_array_is_read_in_pieces_across_element_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "READ_SIZE", 7)  # every element spans several reads
    items = [{"sku": f"SKU-{n}", "quantity": n * 1000003} for n in range(50)]
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items, indent=1))

    read = list(read_items(path, SourceFormat.JSON))

    assert [item.fields for item in read] == items
    assert [item.line for item in read][:3] == [2, 6, 10]


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ('[{"sku": "A"},\n {"sku": "B"\n', 3, "not valid JSON: Expecting ',' delimiter"),
        ('[{"sku": "A"} {"sku": "B"}]', 1, "expected ',', found '{'"),
        ('{"sku": "A"}', 1, "expected '[', found '{'"),
        ('[{"sku": "A"}]\n[]', 2, "unexpected content after the array"),
        ('[{"sku": "A"},\n\n 7]', 3, "an item must be a JSON object, got int"),
        ('[{"sku": "A"},', 1, "not valid JSON: Expecting value"),
    ],
)
def test_a_bad_json_array_is_named_by_its_line(
    tmp_path: Path, content: str, line: int, reason: str
) -> None:
    path = tmp_path / "items.json"
    path.write_text(content)

    error = error_of(path, SourceFormat.JSON)

    assert (error.line, error.reason) == (line, reason)


def test_an_empty_json_array_holds_no_items(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(" [ ] \n")

    assert lines_and_fields(path, SourceFormat.JSON) == []


# --- CSV ------------------------------------------------------------------------------------


def test_csv_columns_map_to_fields_lists_json_and_nested_objects(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text(
        "sku,countries[],size:json,prices.0.country_code,prices.0.retail_price,"
        "prices.1.country_code,prices.1.retail_price,price.sale_price\n"
        "A-1,DE|AT,null,DE,129.95,AT,134.95,\n"
        '"B,2",DE,1203,DE,99,,,\n'
    )

    assert lines_and_fields(path, SourceFormat.CSV) == [
        (
            1,
            2,
            {
                "sku": "A-1",
                "countries": ["DE", "AT"],
                "size": None,
                "prices": [
                    {"country_code": "DE", "retail_price": "129.95"},
                    {"country_code": "AT", "retail_price": "134.95"},
                ],
            },
        ),
        (
            2,
            3,
            {
                "sku": "B,2",
                "countries": ["DE"],
                "size": 1203,
                "prices": [{"country_code": "DE", "retail_price": "99"}],
            },
        ),
    ]


def test_a_csv_row_spanning_lines_is_named_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text('sku,name\nA,"two\nlines"\nB,x\nC,"x",y\n')

    error = error_of(path, SourceFormat.CSV)

    assert str(error) == f"{path}, line 5: 3 cells where the header has 2 columns"
    path.write_text('sku,name\nA,"two\nlines"\nB,x\n')
    assert [(item.line, item.fields["sku"]) for item in read_items(path, SourceFormat.CSV)] == [
        (2, "A"),
        (4, "B"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sku,quantity:json\nA,[1\n", "line 2: column 'quantity:json' is not valid JSON"),
        ("sku,,quantity\n", "line 1: header: column '' names no field"),
        ("sku,price.0x\n", None),
        ("sku,price,price.retail_price\n", "line 1: header: column 'price.retail_price' overlaps"),
        ("sku,0.a\n", "line 1: header: column '0.a' names no field"),
    ],
)
def test_a_bad_csv_header_or_cell_is_named_by_its_line(
    tmp_path: Path, content: str, message: str | None
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(content)

    if message is None:  # an odd but valid name: the item model refuses it later
        assert lines_and_fields(path, SourceFormat.CSV) == []
        return
    assert str(error_of(path, SourceFormat.CSV)).startswith(f"{path}, {message}")


# --- the format and the plan ----------------------------------------------------------------


def test_the_format_comes_from_the_option_else_the_suffix() -> None:
    assert detect_format(Path("a.jsonl"), None) is SourceFormat.JSONL
    assert detect_format(Path("a.NDJSON"), None) is SourceFormat.JSONL
    assert detect_format(Path("a.json"), None) is SourceFormat.JSON
    assert detect_format(Path("a.csv"), None) is SourceFormat.CSV
    assert detect_format(Path("a.txt"), SourceFormat.CSV) is SourceFormat.CSV
    with pytest.raises(SourceError) as raised:
        detect_format(Path("a.txt"), None)
    assert str(raised.value) == (
        "a.txt: cannot tell the format from the suffix (known: .csv, .json, .jsonl, .ndjson)"
    )


def test_the_plan_counts_the_items_and_fingerprints_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "stocks.jsonl"
    content = "".join(json.dumps({"sku": f"S-{n}", "quantity": n}) + "\n" for n in range(2500))
    path.write_text(content + "\n\n")

    plan = plan_push(path, STOCKS, SourceFormat.JSONL)

    expected = hashlib.sha256((content + "\n\n").encode()).hexdigest()
    assert (plan.items, plan.chunk_size, plan.chunk_count) == (2500, 1000, 3)
    assert (plan.size, plan.sha256, plan.kind) == (len(content) + 2, expected, "stocks")


def test_an_item_its_kind_refuses_stops_the_plan_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "stocks.jsonl"
    path.write_text('{"sku": "A", "quantity": 1}\n{"sku": "B", "quantity": "many"}\n{"sku": "C"}\n')

    with pytest.raises(SourceError) as raised:
        plan_push(path, STOCKS, SourceFormat.JSONL)

    assert str(raised.value) == (
        f"{path}, line 2: not a valid stocks item: quantity: "
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_an_unknown_field_stops_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "stocks.jsonl"
    path.write_text('{"sku": "A", "quantity": 1, "qty": 2}\n')

    with pytest.raises(SourceError) as raised:
        plan_push(path, STOCKS, SourceFormat.JSONL)

    assert str(raised.value) == (
        f"{path}, line 1: not a valid stocks item: Value error, unknown field(s) qty"
    )


def test_a_file_without_items_or_unreadable_stops_the_plan(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")

    with pytest.raises(PushError) as nothing:
        plan_push(empty, PRODUCTS, SourceFormat.JSONL)
    with pytest.raises(PushError) as missing:
        plan_push(tmp_path / "missing.jsonl", PRODUCTS, SourceFormat.JSONL)

    assert str(nothing.value) == f"{empty} holds no items"
    assert (
        str(missing.value) == f"cannot read {tmp_path / 'missing.jsonl'}: No such file or directory"
    )
