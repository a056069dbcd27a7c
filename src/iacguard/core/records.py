"""Record classes: the dataclass semantics iacguard's model uses, without compiling code.

``@dataclass`` writes each class's ``__init__``, ``__eq__``, ``__hash__``, ``__repr__``,
``__setattr__``... as source text and compiles it with ``exec``: about 0.35 ms a class, a
third of a small run's time for the hundred classes a check defines. ``@record`` gives a
class the same behaviour from generic methods closed over the class's field table, built
in a few microseconds:

* fields are the class's annotations (inherited record fields first), with a default, or a
  ``field(default=..., default_factory=..., compare=..., repr=...)``;
* ``__init__(*fields)`` positional or by keyword, defaults and factories as a dataclass, then
  ``__post_init__()`` when the class has one; a class may write its own ``__init__`` (the hot
  ones do: a written ``__init__`` is the fastest to call);
* ``__eq__`` and ``__hash__`` on the compared fields, as the same tuple a dataclass hashes
  (so set and dict orders are unchanged); mutable records compare but are unhashable;
  ``eq=False`` keeps identity; ``order=True`` adds the comparisons;
* ``__repr__`` ``Name(field=value, ...)`` as a dataclass prints it;
* ``frozen`` (the default): assigning or deleting a field raises ``FrozenInstanceError``;
* ``__slots__`` (the default), pickling of frozen slotted records by their fields,
  ``__match_args__``.

``fields``, ``replace``, ``is_record`` and ``asdict`` stand for their ``dataclasses``
namesakes. Nothing here generates code.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # type checkers read a record as a dataclass
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda decorated: decorated


T = TypeVar("T")

MISSING: Any = type("MISSING", (), {"__repr__": lambda self: "MISSING", "__slots__": ()})()


class FrozenInstanceError(AttributeError):
    """Assignment to (or deletion of) a field of a frozen record."""


class Field:
    """One field of a record: its name, default or factory, and whether it is compared and
    printed."""

    __slots__ = ("name", "default", "default_factory", "compare", "repr")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Any = MISSING,
        compare: bool = True,
        repr: bool = True,  # noqa: A002 - the dataclasses keyword
    ) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"


def field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    compare: bool = True,
    repr: bool = True,  # noqa: A002 - the dataclasses keyword
) -> Any:
    """A field's settings, as ``dataclasses.field`` (the keywords iacguard uses)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, compare, repr)


@dataclass_transform(field_specifiers=(field,))
def record(
    cls: type[T] | None = None,
    /,
    *,
    frozen: bool = True,
    eq: bool = True,
    order: bool = False,
    slots: bool = True,
) -> Any:
    """Make ``cls`` a record (see the module docstring); ``@record`` or ``@record(...)``."""

    def wrap(cls: type[T]) -> type[T]:
        return _process(cls, frozen=frozen, eq=eq, order=order, slots=slots)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    try:
        return obj.__record_fields__
    except AttributeError:
        raise TypeError("must be called with a record type or instance") from None


def is_record(obj: Any) -> bool:
    """Whether ``obj`` is a record class or instance."""
    return hasattr(type(obj) if not isinstance(obj, type) else obj, "__record_fields__")


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record ``obj`` with ``changes``, built through its ``__init__``."""
    names = type(obj).__record_names__
    values = [changes.pop(n) if n in changes else getattr(obj, n) for n in names]
    if changes:
        raise TypeError(f"{type(obj).__qualname__} has no field {next(iter(changes))!r}")
    return type(obj)(*values)


def asdict(obj: Any) -> Any:
    """``dataclasses.asdict``: records as dicts of their fields, recursively through lists,
    tuples and dicts."""
    if is_record(obj) and not isinstance(obj, type):
        return {f.name: asdict(getattr(obj, f.name)) for f in obj.__record_fields__}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*[asdict(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)(asdict(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((asdict(k), asdict(v)) for k, v in obj.items())
    return obj


# ----------------------------------------------------------------------------- building


def _own_fields(cls: type) -> list[Field]:
    own: list[Field] = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        spec.name = name
        own.append(spec)
    return own


def _process(cls: type[T], *, frozen: bool, eq: bool, order: bool, slots: bool) -> type[T]:
    inherited: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("__record_fields__", ()):
            inherited[f.name] = f
    for f in _own_fields(cls):
        inherited[f.name] = f
    table = tuple(inherited.values())
    seen_default = False
    for f in table:
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has_default
    names = tuple(f.name for f in table)
    own = {f.name for f in _own_fields(cls)}

    explicit = dict(cls.__dict__)
    owner: list[type] = []  # the class made, for the methods that need it
    methods: dict[str, Any] = {"__record_fields__": table, "__record_names__": names}
    if "__match_args__" not in explicit:
        methods["__match_args__"] = names
    if "__init__" not in explicit:
        post_init = hasattr(cls, "__post_init__")
        methods["__init__"] = _init(cls.__qualname__, table, frozen, post_init)
    if "__repr__" not in explicit:
        methods["__repr__"] = _repr(tuple(f.name for f in table if f.repr))
    key = _key(tuple(f.name for f in table if f.compare))
    if eq and "__eq__" not in explicit:
        methods["__eq__"] = _eq(key)
    class_hash = explicit.get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in explicit))
    if eq and not explicit_hash:
        methods["__hash__"] = _hash(key) if frozen else None
    if order:
        for name, op in _ORDER.items():
            if name not in explicit:
                methods[name] = _compare(key, op)
    if frozen:
        if "__setattr__" not in explicit:
            methods["__setattr__"] = _frozen_setattr(owner, set(names))
        if "__delattr__" not in explicit:
            methods["__delattr__"] = _frozen_delattr(owner, set(names))
        if slots:
            methods["__getstate__"] = _getstate(names)
            methods["__setstate__"] = _setstate(names)

    if slots:  # a new class, as dataclass(slots=True) makes: slots cannot be added later
        namespace = dict(explicit)
        for name in own:
            namespace.pop(name, None)  # defaults live in the field table
        namespace.pop("__dict__", None)
        namespace.pop("__weakref__", None)
        taken = {s for base in cls.__mro__[1:] for s in base.__dict__.get("__slots__", ())}
        namespace["__slots__"] = tuple(n for n in names if n not in taken)
        namespace.update(methods)  # set before the class is made: setting later costs more
        new = type(cls)(cls.__name__, cls.__bases__, namespace)
    else:
        new = cls
        for f in table:
            if isinstance(explicit.get(f.name), Field):
                if f.default is MISSING:
                    delattr(new, f.name)
                else:
                    setattr(new, f.name, f.default)
        for name, value in methods.items():
            setattr(new, name, value)
    owner.append(new)
    return new


def _init(
    qualname: str, table: tuple[Field, ...], frozen: bool, post_init: bool
) -> Callable[..., None]:
    names = tuple(f.name for f in table)
    count = len(names)
    set_field = object.__setattr__ if frozen else setattr

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        if len(args) > count:
            raise TypeError(
                f"{qualname}.__init__() takes {count + 1} positional arguments"
                f" but {len(args) + 1} were given"
            )
        values = list(args)
        for name in names[: len(args)]:
            if name in kwargs:
                raise TypeError(f"{qualname}.__init__() got multiple values for argument {name!r}")
        for f in table[len(args) :]:
            if f.name in kwargs:
                values.append(kwargs.pop(f.name))
            elif f.default is not MISSING:
                values.append(f.default)
            elif f.default_factory is not MISSING:
                values.append(f.default_factory())
            else:
                raise TypeError(f"{qualname}.__init__() missing required argument: {f.name!r}")
        if kwargs:
            raise TypeError(
                f"{qualname}.__init__() got an unexpected keyword argument {next(iter(kwargs))!r}"
            )
        return values

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs or len(args) != count:
            args = bind(args, kwargs)  # type: ignore[assignment]
        for name, value in zip(names, args, strict=True):
            set_field(self, name, value)
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{qualname}.__init__"
    return __init__


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The compared fields as the tuple a dataclass compares and hashes."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "__lt__": lambda a, b: a < b,
    "__le__": lambda a, b: a <= b,
    "__gt__": lambda a, b: a > b,
    "__ge__": lambda a, b: a >= b,
}


def _compare(
    key: Callable[[Any], tuple[Any, ...]], op: Callable[[Any, Any], bool]
) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return op(key(self), key(other))
        return NotImplemented

    return compare


def _frozen_setattr(owner: list[type], names: set[str]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        cls = owner[0]
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(owner: list[type], names: set[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        cls = owner[0]
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__


def _getstate(names: tuple[str, ...]) -> Callable[[Any], list[Any]]:
    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, n) for n in names]

    return __getstate__


def _setstate(names: tuple[str, ...]) -> Callable[[Any, list[Any]], None]:
    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    return __setstate__
