"""The command line loads only the module of the command given (src/anklet/cli/__init__.py)."""

import argparse
import subprocess
import sys

import pytest

import anklet.cli
from anklet.cli import _COMMANDS, build_parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return actions[0].choices if actions else {}


def _runs_something(parser: argparse.ArgumentParser) -> bool:
    """Whether ``parser``, or each of its own sub-commands (``protocol decode``), has a handler."""
    nested = _subcommands(parser)
    if nested:
        return all(_runs_something(subparser) for subparser in nested.values())
    return parser.get_default("handler") is not None


@pytest.mark.parametrize("name", list(_COMMANDS))
def test_each_listed_command_is_registered_by_its_module(name):
    assert _runs_something(_subcommands(build_parser(name))[name])


def test_the_listing_names_every_command_without_loading_one(capsys):
    with pytest.raises(SystemExit):
        anklet.cli.main(["--help"])
    listing = capsys.readouterr().out
    for name, (_, summary) in _COMMANDS.items():
        assert f"{name}  " in listing and summary in listing
    assert not any(_runs_something(parser) for parser in _subcommands(build_parser()).values())


def test_help_and_a_wrong_command_load_neither_scipy_nor_the_pipeline():
    code = (
        "import sys, anklet.cli\n"
        "for argv in (['--help'], ['bogus']):\n"
        "    try: anklet.cli.main(argv)\n"
        "    except SystemExit: pass\n"
        "print(sorted({m.split('.')[0] if m.startswith('scipy') else m for m in sys.modules\n"
        "              if m.startswith(('scipy', 'anklet.pipeline', 'anklet.gait'))}))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == "[]"
