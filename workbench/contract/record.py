"""Small value classes that cost nothing to define.

A dataclass generates and compiles its methods when its module is imported (about half a
millisecond each); a command's start-up defines dozens. A :class:`Record` subclass annotates
its fields (their order is the class's, after a base record's), lists the new ones in
``__slots__`` and writes its ``__init__``; equality (same class, equal fields), ``repr`` and,
for a :class:`Frozen` one, hashing, read-only fields and pickling are those the dataclass had.
Fields left out of equality (and hashing) are named in ``_uncompared``, out of ``repr`` in
``_unshown``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Record:
    """A mutable value class: equal when of the same class with equal fields; unhashable."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _uncompared: ClassVar[frozenset[str]] = frozenset()
    _unshown: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        inherited = cls.__mro__[1]._fields if issubclass(cls.__mro__[1], Record) else ()
        new = tuple(
            name
            for name, kind in _own_annotations(cls).items()
            if not str(kind).startswith("ClassVar") and name not in inherited
        )  # a field declared again (another default) keeps its place, as in a dataclass
        if set(new) != set(cls.__dict__.get("__slots__", ())):
            raise TypeError(f"{cls.__name__}: __slots__ must list the annotated fields")
        cls._fields = (*inherited, *new)

    def _compared(self) -> tuple:
        skip = self._uncompared
        return tuple(getattr(self, n) for n in self._fields if n not in skip)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._compared() == other._compared()  # type: ignore[attr-defined]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def replace(self, **changes: Any) -> Any:
        """A copy with ``changes`` (what ``dataclasses.replace`` did: fields by name)."""
        return self.__class__(**{n: getattr(self, n) for n in self._fields} | changes)

    def __repr__(self) -> str:
        skip = self._unshown
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields if n not in skip)
        return f"{self.__class__.__qualname__}({fields})"


def _own_annotations(cls: type) -> dict[str, Any]:
    """The class's own annotations. Read from its ``__dict__`` where the interpreter keeps them
    there (as ``inspect.get_annotations`` does: importing ``inspect`` costs a command ``ast``,
    ``dis`` and ``tokenize``); ``inspect`` answers on an interpreter that evaluates them lazily."""
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063
    if isinstance(own, dict):
        return own
    if not cls.__dict__.get("__slots__"):  # no field of its own (a subclass adding methods)
        return {}
    import inspect

    return inspect.get_annotations(cls)


class Frozen(Record):
    """A read-only value class: hashable by its compared fields. ``__init__`` sets fields with
    ``object.__setattr__``."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __setattr__(self, name: str, value: Any) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, n) for n in self._fields)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self._fields, state, strict=True):
            object.__setattr__(self, name, value)
