"""anklet: ankle joint angles, gait events and mobility flags from shank and foot IMUs."""

from importlib.metadata import PackageNotFoundError, version

from anklet.errors import AnkletError, ProtocolError, ValidationError

try:
    __version__ = version("anklet")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["AnkletError", "ProtocolError", "ValidationError", "__version__"]
