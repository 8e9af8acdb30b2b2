"""The session config: roles to serials or addresses, one clear sentence for every mistake."""

import pytest

from anklet.errors import ValidationError
from anklet.transport import ROLES, SessionConfig, load_session_config

EXAMPLE = """
station = "treadmill-2"
athlete = "alex"

[sensors]
left_shank = "AK000001"
left_foot = "AK000002"
right_shank = "c0:a1:e9:00:00:03"
right_foot = "AK000004"
"""


def _write(tmp_path, text):
    path = tmp_path / "session.toml"
    path.write_text(text)
    return path


def test_a_config_maps_roles_to_serials_and_addresses(tmp_path):
    config = load_session_config(_write(tmp_path, EXAMPLE))
    assert (config.station, config.athlete) == ("treadmill-2", "alex")
    assert config.roles == list(ROLES)
    assert config.role_of(name="AK000002", address="C0:A1:E9:00:00:09") == "left_foot"
    assert config.role_of(name="", address="C0:A1:E9:00:00:03") == "right_shank"  # case-insensitive
    assert config.role_of(name="AK000009", address="C0:A1:E9:00:00:09") is None


def test_the_documented_example_loads():
    config = load_session_config("calibration/session.example.toml")
    assert set(config.roles) <= set(ROLES) and config.roles


def test_any_subset_of_roles_will_do(tmp_path):
    config = load_session_config(_write(tmp_path, '[sensors]\nright_foot = "AK000004"\n'))
    assert config.roles == ["right_foot"] and config.station == ""


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[sensors]\nleft_knee = "AK1"\n', "unknown role 'left_knee'"),
        ('[sensors]\nleft_foot = "AK1"\nright_foot = "AK1"\n', "same sensor 'AK1' to both left_foot and right_foot"),
        ('[sensors]\nleft_foot = "c0:a1:e9:00:00:01"\nright_foot = "C0:A1:E9:00:00:01"\n', "to both left_foot and right_foot"),
        ("[sensors]\nleft_foot = 12\n", "left_foot = 12"),
        ('[sensors]\nleft_foot = "AK000001-TOO-LONG-FOR-V1"\n', "must be a serial"),
        ('station = "x"\n', "at least one sensor"),
        ('station = 3\n[sensors]\nleft_foot = "AK1"\n', "station must be a text"),
        ('sensor = "AK1"\n', "unknown keys sensor"),
        ("[sensors\n", "not valid TOML"),
    ],
)
def test_mistakes_end_in_one_sentence(tmp_path, text, says):
    with pytest.raises(ValidationError, match="session config .*session.toml") as error:
        load_session_config(_write(tmp_path, text))
    assert says in str(error.value) and "\n" not in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ValidationError, match="nowhere.toml does not exist"):
        load_session_config(tmp_path / "nowhere.toml")


def test_a_config_can_be_built_in_code():
    config = SessionConfig.of({"left_foot": "AK000002"}, station="s1")
    assert config.sensors == {"left_foot": "AK000002"} and config.station == "s1"
    with pytest.raises(ValidationError, match="the session names an unknown role"):
        SessionConfig.of({"foot": "AK000002"})
