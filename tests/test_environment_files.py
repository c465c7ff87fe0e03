"""environment.yml, requirements.txt and pyproject.toml agree (a static check; conda is not needed).

requirements.txt is the one source of package versions: the conda environment only provides
Python and pip and then installs ``-r requirements.txt`` through pip. Where a package is named
in more than one file, the version ranges must overlap, or no environment could satisfy both.
"""

from __future__ import annotations

import re

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from conftest import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 has no tomllib; tomli has the same API
    tomllib = pytest.importorskip("tomli")

ENVIRONMENT = ROOT / "environment.yml"
REQUIREMENTS = ROOT / "requirements.txt"
TEST_REQUIREMENTS = ROOT / "requirements-test.txt"
PYPROJECT = ROOT / "pyproject.toml"

# A conda match spec "name[ version]" where version is e.g. ">=3.10,<3.14", "3.11", "3.11.*".
CONDA_SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$")


def read_requirements(path) -> dict[str, Requirement]:
    """Parse a pip requirements file into {canonical name: Requirement}, skipping options."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#") or line.startswith("-"):
            continue
        requirement = Requirement(line)
        found[canonicalize_name(requirement.name)] = requirement
    return found


def conda_specifier(version: str) -> SpecifierSet:
    """Translate the version part of a conda match spec into a pip SpecifierSet.

    Conda reads a bare version ``3.11`` (or ``=3.11``) as ``3.11.*``; comparison operators
    mean the same as in pip. ``|`` (alternatives) is not supported and raises ValueError.
    """
    version = version.strip()
    if not version:
        return SpecifierSet()
    if "|" in version:
        raise ValueError(f"conda alternatives ('|') are not supported in {version!r}")
    parts = []
    for part in version.split(","):
        part = part.strip()
        if re.match(r"^(==|!=|>=|<=|>|<|~=)", part):
            parts.append(part)
        else:
            bare = part.lstrip("=").removesuffix(".*").removesuffix("*")
            parts.append(f"=={bare}.*")
    return SpecifierSet(",".join(parts))


def read_environment() -> tuple[dict[str, SpecifierSet], list[str]]:
    """Return ({conda package: specifier}, pip lines) from environment.yml."""
    environment = yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))
    conda, pip_lines = {}, []
    for entry in environment.get("dependencies", []):
        if isinstance(entry, dict):
            pip_lines.extend(entry.get("pip", []))
            continue
        name, version = CONDA_SPEC.match(entry).groups()
        name = name.split("::")[-1]  # drop a channel prefix such as conda-forge::
        conda[canonicalize_name(name)] = conda_specifier(version)
    return conda, pip_lines


def boundary_versions(specifiers: SpecifierSet) -> list[Version]:
    """Versions at and just above every bound in ``specifiers``, plus a very low one."""
    candidates = [Version("0")]
    for specifier in specifiers:
        text = specifier.version.removesuffix(".*")
        try:
            bound = Version(text)
        except InvalidVersion:
            continue
        candidates.append(bound)
        # A version just above the bound, inside "> bound" and below any later release.
        candidates.append(Version(f"{bound.base_version}.0.0.1"))
    return candidates


def ranges_overlap(first: SpecifierSet, second: SpecifierSet) -> bool:
    """Whether some version satisfies both specifier sets.

    Both sets are unions of intervals whose ends are the bounds they name, so if the
    intersection is not empty it contains a version at or just above one of those bounds.
    """
    for version in boundary_versions(first) + boundary_versions(second):
        if first.contains(version, prereleases=True) and second.contains(version, prereleases=True):
            return True
    return False


def python_specifier_from_pyproject() -> SpecifierSet:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return SpecifierSet(project["requires-python"])


def test_ranges_overlap_helper():
    # The helper itself must be able to say "no", or the checks below prove nothing.
    assert ranges_overlap(SpecifierSet(">=1.24,<3"), SpecifierSet(">=2.0"))
    assert ranges_overlap(SpecifierSet(">3.13"), SpecifierSet("<3.14"))
    assert not ranges_overlap(SpecifierSet(">=3"), SpecifierSet("<2"))
    assert not ranges_overlap(SpecifierSet("==1.26.*"), SpecifierSet(">=2"))


def test_conda_specifier_translation():
    assert conda_specifier(">=3.10,<3.14") == SpecifierSet(">=3.10,<3.14")
    assert conda_specifier("3.11") == SpecifierSet("==3.11.*")
    assert conda_specifier("=3.11") == SpecifierSet("==3.11.*")
    assert conda_specifier("") == SpecifierSet()


def test_conda_env_installs_requirements():
    _, pip_lines = read_environment()
    assert "-r requirements.txt" in [line.strip() for line in pip_lines], (
        f"environment.yml's pip section must contain '-r requirements.txt'; it has {pip_lines}")


def test_conda_env_has_pip():
    conda, _ = read_environment()
    assert "pip" in conda, "environment.yml must list pip among its conda dependencies"


def test_python_range_matches_pyproject():
    conda, _ = read_environment()
    assert "python" in conda, "environment.yml must pin a python range"
    expected = python_specifier_from_pyproject()
    assert conda["python"] == expected, (
        f"environment.yml has python {conda['python']}, pyproject.toml requires-python {expected}")


def test_conda_and_pip_ranges_compatible():
    conda, _ = read_environment()
    requirements = read_requirements(REQUIREMENTS)
    for name, specifier in conda.items():
        if name in requirements:
            assert ranges_overlap(specifier, requirements[name].specifier), (
                f"{name}: environment.yml wants {specifier}, requirements.txt {requirements[name].specifier}")


def test_pyproject_and_requirements_compatible():
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = read_requirements(REQUIREMENTS)
    for line in project.get("dependencies", []):
        dependency = Requirement(line)
        name = canonicalize_name(dependency.name)
        assert name in requirements, f"pyproject.toml depends on {name}, which requirements.txt does not list"
        assert ranges_overlap(dependency.specifier, requirements[name].specifier), (
            f"{name}: pyproject.toml wants {dependency.specifier}, requirements.txt {requirements[name].specifier}")


@pytest.mark.parametrize("path", [REQUIREMENTS, TEST_REQUIREMENTS], ids=lambda path: path.name)
def test_requirements_are_ranges(path):
    # Exact pins stop installing on newer Pythons; an upper bound per major version is enough.
    for name, requirement in read_requirements(path).items():
        pins = [specifier for specifier in requirement.specifier if specifier.operator in ("==", "===")]
        assert not pins, f"{path.name}: {name} is pinned ({requirement.specifier}); use a range"


def test_widget_stack_versions_pair():
    # The panels are written for ipywidgets 8, whose JupyterLab widget manager ships in
    # jupyterlab_widgets 3, built for JupyterLab 4. Each range must allow that major only.
    requirements = read_requirements(REQUIREMENTS)
    expected_majors = {"ipywidgets": 8, "jupyterlab-widgets": 3, "jupyterlab": 4}
    for name, major in expected_majors.items():
        assert name in requirements, f"requirements.txt must list {name}"
        specifier = requirements[name].specifier
        assert ranges_overlap(specifier, SpecifierSet(f"=={major}.*")), f"{name} {specifier} excludes {major}.x"
        assert not ranges_overlap(specifier, SpecifierSet(f"<{major}")), f"{name} {specifier} allows versions before {major}"
        assert not ranges_overlap(specifier, SpecifierSet(f">={major + 1}")), f"{name} {specifier} allows {major + 1}.x"
