"""``@record`` behaves as the ``@dataclass`` it replaces: each behaviour is checked against
the same class declared with the standard library's decorator."""

from __future__ import annotations

import dataclasses
import pickle
import sys
import types

import pytest

from iacguard.core import records
from iacguard.core.records import FrozenInstanceError, field, record

SOURCE = """\
from __future__ import annotations
from typing import ClassVar

@DECORATE(frozen=True, slots=True)
class Point:
    path: str
    line: int
    note: str | None = field(default=None, compare=False)
    tags: tuple[str, ...] = ()
    kind: ClassVar[str] = "point"

@DECORATE(frozen=True, slots=True, order=True)
class Spot:
    line: int
    column: int

@DECORATE(frozen=True, slots=True)
class Labelled(Point):
    label: str = ""

@DECORATE(slots=True)
class Bag:
    name: str
    items: list[int] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.hidden["made"] = len(self.items)

@DECORATE(eq=False, slots=True)
class Identity:
    name: str

@DECORATE
class Plain:
    name: str
    count: int = 0

@DECORATE(frozen=True, slots=True)
class One:
    only: str
"""


def _module(name: str, decorate: object) -> types.ModuleType:
    """The classes above, made by ``decorate``, in an importable module (for pickle)."""
    mod = types.ModuleType(name)
    mod.__dict__.update(DECORATE=decorate, field=_field_for(decorate))
    sys.modules[name] = mod
    exec(compile(SOURCE, name, "exec"), mod.__dict__)
    return mod


def _field_for(decorate: object) -> object:
    return dataclasses.field if decorate is dataclasses.dataclass else field


def _record_decorator(cls=None, /, *, frozen=False, slots=False, eq=True, order=False):
    """``@dataclass``'s defaults (mutable, no slots) spelled through ``record``."""
    return record(cls, frozen=frozen, slots=slots, eq=eq, order=order)


DC = _module("_records_dc", dataclasses.dataclass)
RC = _module("_records_rc", _record_decorator)


def _both(name: str, *args, **kwargs):
    return getattr(DC, name)(*args, **kwargs), getattr(RC, name)(*args, **kwargs)


def test_init_defaults_factories_and_post_init():
    for args, kwargs in [
        (("a", 1), {}),
        (("a",), {"line": 2, "tags": ("x",)}),
        ((), {"path": "p", "line": 3, "note": "n"}),
    ]:
        d, r = _both("Point", *args, **kwargs)
        assert repr(d).replace("_records_dc", "") == repr(r).replace("_records_rc", "")
    d, r = _both("Bag", "b", [1, 2])
    assert repr(d) == repr(r) and r.hidden == {"made": 2}
    assert RC.Bag("c").items == [] and RC.Bag("c").items is not RC.Bag("c").items
    assert repr(_both("Labelled", "p", 1, label="L")[1]) == repr(
        _both("Labelled", "p", 1, label="L")[0]
    )


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        (("a", 1, None, (), "extra"), {}),
        (("a",), {"path": "b", "line": 1}),
        (("a", 1), {"nope": 1}),
    ],
)
def test_wrong_calls_raise_type_error(args, kwargs):
    with pytest.raises(TypeError):
        DC.Point(*args, **kwargs)
    with pytest.raises(TypeError):
        RC.Point(*args, **kwargs)


def test_equality_and_hash_are_the_dataclass_ones():
    pairs = [
        (("a", 1, "x"), ("a", 1, "y")),  # note is not compared
        (("a", 1), ("a", 2)),
        (("a", 1, None, ("t",)), ("a", 1, None, ("t",))),
    ]
    for left, right in pairs:
        assert (DC.Point(*left) == DC.Point(*right)) == (RC.Point(*left) == RC.Point(*right))
        assert hash(DC.Point(*left)) == hash(RC.Point(*left))  # same set and dict orders
    assert hash(DC.One("x")) == hash(RC.One("x"))
    assert RC.Point("a", 1) != RC.Labelled("a", 1)  # another class is never equal
    assert RC.Bag("a", [1]) == RC.Bag("a", [1])
    with pytest.raises(TypeError):
        hash(RC.Bag("a"))  # mutable records are unhashable, as mutable dataclasses
    same = RC.Identity("a")
    assert same != RC.Identity("a") and same == same and hash(same) == hash(same)
    assert RC.Plain("a") == RC.Plain("a", 0) and RC.Plain.count == 0


def test_order():
    spots = [(2, 1), (1, 5), (1, 2)]
    assert [(s.line, s.column) for s in sorted(RC.Spot(*s) for s in spots)] == sorted(spots)
    assert (RC.Spot(1, 2) <= RC.Spot(1, 2)) and (RC.Spot(1, 3) > RC.Spot(1, 2))
    with pytest.raises(TypeError):
        _ = RC.Spot(1, 2) < (1, 2)


def test_frozen():
    point = RC.Point("a", 1)
    with pytest.raises(FrozenInstanceError):
        point.line = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.line  # type: ignore[misc]
    with pytest.raises(AttributeError):
        point.other = 1  # type: ignore[attr-defined]
    bag = RC.Bag("a")
    bag.name = "b"
    assert bag.name == "b"


def test_slots_and_match_args():
    assert not hasattr(RC.Point("a", 1), "__dict__")
    assert RC.Labelled.__slots__ == ("label",)
    assert RC.Point.__match_args__ == DC.Point.__match_args__
    assert RC.Point.kind == "point"
    match RC.Point("a", 1):
        case RC.Point(path, line):
            assert (path, line) == ("a", 1)


def test_pickle_round_trip():
    for value in [RC.Point("a", 1, "n", ("t",)), RC.Labelled("a", 1, label="L"), RC.Bag("b", [1])]:
        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(value, protocol))
            assert type(back) is type(value) and repr(back) == repr(value)
    assert pickle.loads(pickle.dumps(RC.Point("a", 1, "n"))).note == "n"


def test_fields_replace_asdict():
    assert [f.name for f in records.fields(RC.Labelled)] == [
        f.name for f in dataclasses.fields(DC.Labelled)
    ]
    point = RC.Point("a", 1, "n")
    moved = records.replace(point, line=5)
    assert (moved.path, moved.line, moved.note) == ("a", 5, "n") and point.line == 1
    with pytest.raises(TypeError):
        records.replace(point, nope=1)
    nested = RC.Bag("b", [RC.Point("a", 1)])  # type: ignore[list-item]
    expected = dataclasses.asdict(DC.Bag("b", [DC.Point("a", 1)]))  # type: ignore[list-item]
    assert records.asdict(nested) == expected
    assert records.is_record(point) and records.is_record(RC.Point)
    assert not records.is_record(DC.Point("a", 1)) and not records.is_record(1)


def _package_records() -> list[type]:
    """Every record class iacguard defines (each of its modules imported)."""
    import importlib
    import pkgutil

    import iacguard
    from iacguard.core import records

    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(iacguard.__path__, "iacguard."):
        if info.name.endswith(".__main__"):
            continue  # running it is the command line
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra's dependency (pygls, cfn-lint) is absent
            continue
        for value in vars(module).values():
            if isinstance(value, type) and records.is_record(value):
                if value.__module__ == info.name:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_every_written_init_matches_its_field_table() -> None:
    """A record's written ``__init__`` (the classes built often write one: the fastest to call)
    takes its fields in their order, with their defaults; every record's ``__init__``, written
    or the generic one, sets each field (``records.replace`` and the worker pickling call
    ``cls(*fields)``)."""
    import inspect

    from iacguard.core import records

    classes = _package_records()
    assert len(classes) > 80  # the model's classes were found
    written = checked = 0
    for cls in classes:
        table = records.fields(cls)
        where = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__init__.__module__ != records.__name__:
            written += 1
            params = list(inspect.signature(cls.__init__).parameters.values())[1:]
            assert [p.name for p in params] == [f.name for f in table], where
            for p, f in zip(params, table, strict=True):
                assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, (where, p.name)
                if f.default is not records.MISSING:
                    assert p.default == f.default or p.default is f.default, (where, p.name)
                elif f.default_factory is not records.MISSING:
                    assert p.default is not inspect.Parameter.empty, (where, p.name)
                else:
                    assert p.default is inspect.Parameter.empty, (where, p.name)
        if "__post_init__" in vars(cls):
            continue  # it computes or checks fields: given arbitrary values it may refuse them
        sentinels = [object() for _ in table]
        built = cls(*sentinels)
        assert [getattr(built, f.name) for f in table] == sentinels, where
        checked += 1
    assert written > 40 and checked > 80
