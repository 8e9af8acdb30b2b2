"""What the publisher and the subscriber share about a broker connection: the aiomqtt client
for a :class:`BrokerSettings`, the sentence for a failure, and the wait before the next try.

aiomqtt's errors are wrapped here (``BrokerError``), with the broker named by
``BrokerSettings.display()``: no message anklet writes holds a password.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import random
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiomqtt
from aiomqtt.exceptions import MqttConnectError

from anklet.errors import BrokerError
from anklet.mqtt._url import PASSWORD_ENV, BrokerSettings

__all__ = ["Backoff", "broker_client", "broker_error", "is_refusal", "quiet_socket_race"]

_log = logging.getLogger(__name__)

_REFUSED_LOGIN = {  # MQTT 3.1.1 CONNACK codes 4 and 5, and their MQTT 5 reason codes
    4: "bad user name or password", 134: "bad user name or password", 5: "not authorised", 135: "not authorised",
}


def broker_client(
    broker: BrokerSettings, *, will: aiomqtt.Will | None = None, timeout_s: float = 5.0, keepalive_s: int = 10
) -> aiomqtt.Client:
    """A client for ``broker`` (enter it to connect). A short keepalive lets a silent broker be
    noticed within seconds; ``timeout_s`` bounds each publish and subscribe."""
    return aiomqtt.Client(
        broker.host,
        broker.port,
        username=broker.username,
        password=broker.password,
        will=will,
        timeout=timeout_s,
        keepalive=keepalive_s,
        tls_context=broker.ssl_context(),
    )


def is_refusal(exc: aiomqtt.MqttError) -> bool:
    """Whether the broker turned the login down (credentials or authorisation) or showed a
    certificate that cannot be verified: what no retry mends."""
    return isinstance(exc, MqttConnectError) and _code(exc) in _REFUSED_LOGIN or _bad_certificate(exc)


def _bad_certificate(exc: aiomqtt.MqttError) -> bool:
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _code(exc: aiomqtt.MqttError) -> int | None:
    code = getattr(exc, "rc", None)
    return getattr(code, "value", code)


def broker_error(exc: aiomqtt.MqttError, broker: BrokerSettings) -> BrokerError:
    """One sentence for what went wrong with ``broker``."""
    where = broker.display()
    text = str(exc)
    if _bad_certificate(exc):
        return BrokerError(f"the broker at {where} shows a TLS certificate anklet cannot verify; give its authority with ?cafile=PATH")
    if is_refusal(exc):
        who = f"user {broker.username!r}" if broker.username else "an anonymous client"
        hint = f"check the user in the URL and {PASSWORD_ENV}" if broker.username else f"give a user (mqtt://user@host) and set {PASSWORD_ENV}"
        return BrokerError(f"the broker at {where} refused the login of {who} ({_REFUSED_LOGIN[_code(exc)]}); {hint}")
    if "SSL" in text or "TLS" in text:
        return BrokerError(f"TLS with the broker at {where} failed ({text}); is it an mqtts:// port?")
    return BrokerError(f"the broker at {where} cannot be reached ({text or type(exc).__name__})")


@dataclass
class Backoff:
    """Exponential backoff with jitter: the n-th wait after a failure is drawn from
    [½, 1] x ``min(first_s x 2^n, max_s)``, so stations that lost the same broker do not all
    come back in the same instant. ``reset()`` after a success."""

    first_s: float = 0.5
    max_s: float = 15.0
    failures: int = 0

    def next_s(self) -> float:
        ceiling = min(self.first_s * 2.0 ** min(self.failures, 30), self.max_s)
        self.failures += 1
        return ceiling * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


@contextlib.contextmanager
def quiet_socket_race() -> Iterator[None]:
    """Keep aiomqtt 2.5's harmless race off the user's terminal while the block runs.

    When a connection breaks while paho is writing, aiomqtt has already scheduled (with
    ``call_soon_threadsafe``) an ``add_writer`` for the socket, which runs after the socket is
    closed: the loop's default handler then prints "Exception in callback ... Bad file
    descriptor" and a traceback, though the client has noticed the loss and nothing is
    affected. That one error goes to this module's debug log; every other goes on as before.
    Blocks may nest and overlap (several publishers in one loop): the loop's own handler comes
    back when the last one leaves.
    """
    loop = asyncio.get_running_loop()
    if loop not in _quieted:
        previous = loop.get_exception_handler()
        _quieted[loop] = [0, previous]
        loop.set_exception_handler(functools.partial(_skip_closed_socket_writer, previous=previous))
    users = _quieted[loop]
    users[0] += 1
    try:
        yield
    finally:
        users[0] -= 1
        if users[0] == 0:
            loop.set_exception_handler(users[1])
            del _quieted[loop]


_quieted: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Any]] = weakref.WeakKeyDictionary()


def _skip_closed_socket_writer(loop: asyncio.AbstractEventLoop, context: dict[str, Any], *, previous: Any) -> None:
    exc = context.get("exception")
    if isinstance(exc, OSError) and exc.errno == errno.EBADF and "add_writer" in repr(context.get("handle")):
        _log.debug("aiomqtt's writer for a closed socket: %s", exc)
    elif previous is not None:
        previous(loop, context)
    else:
        loop.default_exception_handler(context)
