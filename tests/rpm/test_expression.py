"""rpm's expression language for %if and %[...]."""

from __future__ import annotations

import pytest

from steward.rpm.expression import ExpressionError, evaluate, truth


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("0", 0),
        ("041 >= 38", 1),
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3),
        ("-7 / 2", -3),
        ("!0", 1),
        ("!1 || 0", 0),
        ("1 && 2", 2),
        ("0 || 5", 5),
        ('"abc" == "abc"', 1),
        ('"abc" < "abd"', 1),
        ('"" == ""', 1),
        ('v"1.10" > v"1.9"', 1),
        ('v"1.0~rc1" < v"1.0"', 1),
        ('v"2.0" == v"2.0"', 1),
        ("1 ? 2 : 3", 2),
        ("0 ? 2 : 3", 3),
        ('"a" + "b"', "ab"),
        ("2 >= 2 && 3 != 4", 1),
    ],
)
def test_evaluates_like_rpm(text: str, expected: object) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "foo", '1 == "a"', "(1", '"open', "1 / 0", "1 2", 'v"1" + v"2"'],
)
def test_rejects_what_rpm_rejects(text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(text)


def test_truth_of_strings_and_numbers() -> None:
    assert truth(1) and truth("x") and not truth(0) and not truth("")
