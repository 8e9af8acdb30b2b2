"""D-Bus signatures as type annotations, for the stand-in's interfaces (dbus-fast reads them)."""

from typing import Annotated

from dbus_fast import Variant
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusInt16,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
    DBusUInt16,
)

DBusStrList = Annotated[list[str], DBusSignature("as")]
DBusObjectPathList = Annotated[list[str], DBusSignature("ao")]
DBusCompanyData = Annotated[dict[int, Variant], DBusSignature("a{qv}")]
"""ManufacturerData: company identifier to its bytes."""

__all__ = [
    "DBusBool",
    "DBusBytes",
    "DBusCompanyData",
    "DBusDict",
    "DBusInt16",
    "DBusObjectPath",
    "DBusObjectPathList",
    "DBusStr",
    "DBusStrList",
    "DBusUInt16",
]
