"""environment.yml for conda users, carrying exactly the pins of requirements.lock,
so that graders and candidates get the same versions whichever installer they use.

`python -m autograde.release.environment_file requirements.lock > environment.yml`"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def lock_pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in Path(lock).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def environment_pins(environment_yml: Path) -> dict[str, str]:
    spec = yaml.safe_load(Path(environment_yml).read_text())
    pip_section = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    return {n.strip().lower(): v.strip() for n, _, v in (x.partition("==") for x in pip_section)}


def render(pins: dict[str, str]) -> str:
    spec = {
        "name": "mlassess",
        "channels": ["conda-forge"],
        "dependencies": ["python=3.11", "pip", {"pip": [f"{n}=={v}" for n, v in sorted(pins.items())]}],
    }
    header = "# Generated from requirements.lock by `make lock`: same pins, for conda users.\n"
    return header + yaml.safe_dump(spec, sort_keys=False)


if __name__ == "__main__":
    sys.stdout.write(render(lock_pins(Path(sys.argv[1]))))
