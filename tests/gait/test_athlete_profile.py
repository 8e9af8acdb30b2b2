"""Athlete profiles: the default, a profile on top of it, and one sentence for each bad file."""

import dataclasses
import math

import pytest

from anklet.errors import ValidationError
from anklet.gait._athlete import DEFAULT_ATHLETE, FlagThresholds, load_athlete
from anklet.geometry import ANTHROPOMETRY, knee_to_wall_required_df_rad
from anklet.sim._mobility import seed_toe_to_wall_m
from anklet.sim._motion import Thresholds


def test_default_profile_has_a_source_for_every_threshold_and_the_simulators_values():
    profile = load_athlete()
    fields = [field.name for field in dataclasses.fields(FlagThresholds)]
    assert sorted(profile.sources) == sorted(fields)
    assert all(len(profile.sources[name]) > 20 for name in fields)
    simulator = Thresholds()
    assert profile.thresholds.restricted_df_squat_deg == simulator.restricted_df_squat_deg
    assert profile.thresholds.restricted_df_lunge_deg == simulator.restricted_df_lunge_deg
    assert profile.thresholds.tall_kneeling_max_gap_cm == simulator.tall_kneeling_max_gap_cm
    assert profile.thresholds.restricted_pf_to_deg == simulator.restricted_pf_to_deg
    assert profile.thresholds.running_flag_window_strides == simulator.flag_window_strides


def test_shank_length_comes_from_winters_proportion_unless_given(tmp_path):
    assert load_athlete().shank_length_m == pytest.approx(ANTHROPOMETRY["shank_length"] * 1.75)
    own = tmp_path / "ana.toml"
    own.write_text('[athlete]\nname = "Ana"\nheight_m = 1.62\nshank_length_m = 0.41\n')
    profile = load_athlete(own)
    assert (profile.name, profile.height_m, profile.shank_length_m) == ("Ana", 1.62, 0.41)
    assert profile.body.shank_length_m == 0.41
    assert profile.thresholds == load_athlete().thresholds  # the rest from the default


@pytest.mark.parametrize("height_m", [1.60, 1.72, 1.73, 1.90])
def test_knee_to_wall_distance_follows_the_seed_rule_like_the_simulator(tmp_path, height_m):
    own = tmp_path / "a.toml"
    own.write_text(f"[athlete]\nheight_m = {height_m}\n")
    profile = load_athlete(own)
    assert profile.knee_to_wall_distance_m == pytest.approx(seed_toe_to_wall_m(height_m))
    required = knee_to_wall_required_df_rad(profile.body, profile.knee_to_wall_distance_m)
    assert 30.0 < math.degrees(required) < 50.0


def test_a_profile_can_change_a_threshold_when_it_says_why(tmp_path):
    own = tmp_path / "physio.toml"
    own.write_text(
        "[thresholds]\nrestricted_df_squat_deg = 20\n"
        '[sources]\nrestricted_df_squat_deg = "The physiotherapist, after the assessment of 3 March."\n'
    )
    profile = load_athlete(own)
    assert profile.thresholds.restricted_df_squat_deg == 20.0
    assert profile.sources["restricted_df_squat_deg"].startswith("The physiotherapist")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[athlete\nheight_m = 1.7\n", "is not valid TOML"),
        ("[athlete]\nheigth_m = 1.7\n", "[athlete] has no setting 'heigth_m'"),
        ("[runner]\nheight_m = 1.7\n", "the file has no setting 'runner'"),
        ('[athlete]\nheight_m = "tall"\n', "height_m must be a number, not 'tall'"),
        ("[athlete]\nheight_m = 175\n", "height_m must be between 0.5 and 2.5 m"),
        ("[athlete]\nheight_m = 1.7\nshank_length_m = 4.3\n", "shank_length_m must be between"),
        ("[thresholds]\nrestricted_df_squat_deg = 20\n", "'restricted_df_squat_deg' needs a source under [sources]"),
        ('[thresholds]\nsquat_deg = 20\n[sources]\nsquat_deg = "me"\n', "[thresholds] has no setting 'squat_deg'"),
        (
            '[thresholds]\nrestricted_df_window_reps = 2.5\n[sources]\nrestricted_df_window_reps = "me"\n',
            "restricted_df_window_reps must be a whole number",
        ),
        (
            '[thresholds]\nrestricted_df_clear_fraction = 0.6\n[sources]\nrestricted_df_clear_fraction = "me"\n',
            "restricted_df_clear_fraction < restricted_df_raise_fraction",
        ),
        ("thresholds = 3\n", "thresholds must be a table"),
        (b"\xff\xfe[athlete]\n", "is not valid TOML"),
    ],
)
def test_bad_profiles_end_in_one_sentence_naming_the_file(tmp_path, text, says):
    path = tmp_path / "bad.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValidationError) as raised:
        load_athlete(path)
    message = str(raised.value)
    assert "bad.toml" in message and says in message
    assert "\n" not in message


def test_a_missing_profile_is_one_sentence(tmp_path):
    with pytest.raises(ValidationError, match=r"there is no athlete profile at .*nobody\.toml"):
        load_athlete(tmp_path / "nobody.toml")


def test_the_default_profile_ships_inside_the_package():
    assert DEFAULT_ATHLETE.is_file()
    assert DEFAULT_ATHLETE.resolve().parent.name == "athletes"
