"""Where the broker is and how to log in: ``mqtt://host:1883``, ``mqtts://user@host:8883``.

The password never travels on the command line, where every user of the machine can read it
(``ps``): it comes from the environment (``ANKLET_MQTT_PASSWORD``) or a session config, and a
URL that carries one is refused. Nothing here ever prints or logs it: :class:`BrokerSettings`
keeps it out of its ``repr``, and :meth:`BrokerSettings.display` is what messages show.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from anklet.errors import ValidationError

__all__ = ["PASSWORD_ENV", "BrokerSettings", "parse_broker_url"]

PASSWORD_ENV = "ANKLET_MQTT_PASSWORD"
"""The environment variable holding the broker password of the URL's user."""

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
_QUERY_KEYS = ("cafile",)


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """A broker and the login to it.

    ``tls`` for ``mqtts://`` (the broker's certificate is verified against the system's
    authorities, or ``cafile``'s); ``password`` is never shown (not in ``repr``, not in
    :meth:`display`).
    """

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None

    def display(self) -> str:
        """The broker as messages name it: scheme, user and address, never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for ``mqtts://`` (None for plain ``mqtt://``)."""
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.cafile)


def parse_broker_url(url: str, *, password: str | None = None, environ: Mapping[str, str] | None = None) -> BrokerSettings:
    """The broker of ``url`` (``mqtt[s]://[user@]host[:port][?cafile=PATH]``).

    The password is ``password`` (e.g. from a session config) or else the environment's
    ``ANKLET_MQTT_PASSWORD``, used only when the URL names a user. Raises ValidationError,
    in one sentence that never repeats a password, for a URL that is not a broker's or that
    carries a password itself.
    """
    environ = os.environ if environ is None else environ
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise ValidationError("the broker URL is not valid; write it as mqtt://host:1883 or mqtts://user@host:8883") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise ValidationError("the broker URL must start with mqtt:// or mqtts:// (e.g. mqtt://localhost:1883)")
    if parts.password is not None:
        raise ValidationError(
            f"the broker URL must not carry a password (other users can read command lines); set {PASSWORD_ENV} instead"
        )
    if not host:
        raise ValidationError("the broker URL names no host; write it as mqtt://host:1883")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValidationError("the broker URL takes no path; write it as mqtt://host:1883")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(_QUERY_KEYS))
    if unknown:
        raise ValidationError(f"the broker URL has unknown options {', '.join(unknown)}; it knows {', '.join(_QUERY_KEYS)}")
    username = unquote(parts.username) if parts.username else None
    if username is not None and password is None:
        password = environ.get(PASSWORD_ENV)
    cafile = query.get("cafile", [None])[-1]
    return BrokerSettings(
        host=host,
        port=port or DEFAULT_PORTS[parts.scheme],
        tls=parts.scheme == "mqtts",
        username=username,
        password=password if username is not None else None,
        cafile=cafile or None,
    )
