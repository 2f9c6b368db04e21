"""The command line starts fast: its parser loads none of the model's heavy dependencies
(issue 16: `tungsten-sim --help` under 150 ms; numpy, simpy, pydantic and matplotlib alone
take about half a second to import)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "simpy", "pydantic", "matplotlib", "scipy", "pandas", "numba")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(out.stdout.split())


def test_importing_the_cli_loads_no_heavy_dependency():
    assert not loaded_after("import sim.cli") & set(HEAVY)


def test_building_the_parser_loads_no_heavy_dependency():
    loaded = loaded_after("import sim.cli\nsim.cli._parser().format_help()")
    assert not loaded & set(HEAVY)


def test_help_exits_0_without_loading_them():
    code = ("import sim.cli\ntry:\n    sim.cli.main(['--help'])\nexcept SystemExit as e:\n"
            "    assert e.code == 0, e.code")
    assert not loaded_after(code) & set(HEAVY)


def test_importing_the_package_is_light_and_its_api_loads_on_use():
    assert not loaded_after("import sim") & set(HEAVY)
    assert {"numpy", "simpy", "pydantic"} <= loaded_after("import sim\nsim.run_replications")
