"""Broker URLs: what they name, and a password never taken from or shown in them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anklet.errors import ValidationError
from anklet.mqtt import PASSWORD_ENV, parse_broker_url


def test_plain_and_tls_urls():
    plain = parse_broker_url("mqtt://broker.gym.local", environ={})
    assert (plain.host, plain.port, plain.tls, plain.username, plain.password) == ("broker.gym.local", 1883, False, None, None)
    tls = parse_broker_url("mqtts://coach@10.0.0.5:8884?cafile=/etc/gym-ca.pem", environ={PASSWORD_ENV: "s3cret"})
    assert (tls.host, tls.port, tls.tls, tls.username, tls.password, tls.cafile) == ("10.0.0.5", 8884, True, "coach", "s3cret", "/etc/gym-ca.pem")
    assert parse_broker_url("mqtts://h", environ={}).port == 8883


def test_the_password_comes_from_the_config_before_the_environment():
    assert parse_broker_url("mqtt://coach@h", password="from-config", environ={PASSWORD_ENV: "env"}).password == "from-config"
    assert parse_broker_url("mqtt://h", environ={PASSWORD_ENV: "env"}).password is None  # no user, no password sent


def test_a_password_in_the_url_is_refused_without_repeating_it():
    with pytest.raises(ValidationError) as refused:
        parse_broker_url("mqtts://coach:hunter22@broker:8883", environ={})
    assert PASSWORD_ENV in str(refused.value)
    assert "hunter22" not in str(refused.value)


def test_the_password_is_never_shown():
    broker = parse_broker_url("mqtts://coach@broker", environ={PASSWORD_ENV: "hunter22"})
    assert "hunter22" not in repr(broker) and "hunter22" not in broker.display()
    assert broker.display() == "mqtts://coach@broker:8883"


@pytest.mark.parametrize("url", ["http://broker", "broker:1883", "mqtt://", "mqtt://h:99999", "mqtt://h/topic", "mqtt://h?qos=1"])
def test_what_is_not_a_broker_url_is_one_sentence(url):
    with pytest.raises(ValidationError, match="broker URL"):
        parse_broker_url(url, environ={})


@given(st.text(max_size=60))
def test_any_text_parses_or_is_refused_in_one_sentence(text):
    try:
        broker = parse_broker_url(text, environ={})
    except ValidationError as exc:
        assert str(exc).startswith("the broker URL")
    else:
        assert broker.host and 0 <= broker.port <= 65535
