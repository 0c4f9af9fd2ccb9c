"""`StrEnum` on every supported Python (3.10's enum module lacks it)."""

import enum

if hasattr(enum, "StrEnum"):
    StrEnum = enum.StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, enum.Enum):
        """An enum whose members are strings and print as their value."""

        def __str__(self) -> str:
            return str(self.value)
