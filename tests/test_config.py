"""``BuilderConfig`` and ``sdistill.environment``: defaults, arguments over the
environment, clear errors for bad environment values, a frozen value that survives
``pickle``."""

from __future__ import annotations

import ast
import dataclasses
import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import pytest
import sdistill
from sdistill import _core, environment
from sdistill.config import BuilderConfig, FrozenMapping
from sdistill.errors import SdistillError
from static_sdists import static_sdist

VARIABLES = (
    "SDISTILL_CACHE_DIR",
    "SDISTILL_BUILD_CONSTRAINT",
    "SDISTILL_LOCK_TIMEOUT",
    "SDISTILL_HTTP_TIMEOUT",
    "SDISTILL_CONNECT_TIMEOUT",
    "SDISTILL_HTTP_RETRIES",
    "SDISTILL_MAX_PAGE_SIZE",
)


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SDISTILL_CACHE_DIR", str(tmp_path / "cache"))


def test_every_variable_is_in_the_table() -> None:
    assert environment.__doc__ is not None
    for name in VARIABLES:
        assert f"``{name}``" in environment.__doc__


def test_defaults(tmp_path: Path) -> None:
    config = BuilderConfig()
    assert config.cache_dir == str(tmp_path / "cache")
    assert config.index_url == "https://pypi.org/simple"
    assert config.extra_index_urls == ()
    assert config.find_links == ()
    assert config.index_strategy == "first-match"
    assert config.index_cache_control == {}
    assert config.offline is False
    assert config.refresh is False
    assert config.build_isolation is True
    assert config.config_settings == {}
    assert config.no_build is False
    assert config.jobs is None
    assert config.job_count() == (os.cpu_count() or 1)
    assert config.installer is None
    assert config.build_constraints == ()
    assert config.extra_build_dependencies == {}
    assert config.connect_timeout == 10.0
    assert config.http_timeout == 30.0
    assert config.http_retries == 3
    assert config.lock_timeout == _core.DEFAULT_LOCK_TIMEOUT == 300.0
    assert config.max_page_size == _core.DEFAULT_MAX_PAGE_SIZE == 64 * 1024 * 1024


def test_default_cache_dir_is_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SDISTILL_CACHE_DIR")
    assert Path(environment.cache_dir()).name == "sdistill"
    assert BuilderConfig().cache_dir == os.path.abspath(environment.cache_dir())


def test_cache_dir_expanded_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SDISTILL_CACHE_DIR", "~/from-env")
    assert environment.cache_dir() == str(tmp_path / "home" / "from-env")
    assert BuilderConfig().cache_dir == str(tmp_path / "home" / "from-env")
    monkeypatch.chdir(tmp_path)
    assert BuilderConfig("relative").cache_dir == str(tmp_path / "relative")
    assert BuilderConfig(Path("~/arg")).cache_dir == str(tmp_path / "home" / "arg")


def test_environment_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("setuptools<81\n# a comment\nwheel  <1\n", encoding="utf-8")
    monkeypatch.setenv("SDISTILL_BUILD_CONSTRAINT", str(constraints))
    monkeypatch.setenv("SDISTILL_LOCK_TIMEOUT", " 0.5 ")
    monkeypatch.setenv("SDISTILL_HTTP_TIMEOUT", "12")
    monkeypatch.setenv("SDISTILL_CONNECT_TIMEOUT", "2.5")
    monkeypatch.setenv("SDISTILL_HTTP_RETRIES", "0")
    monkeypatch.setenv("SDISTILL_MAX_PAGE_SIZE", "1048576")
    config = BuilderConfig()
    assert config.build_constraints == ("setuptools<81", "wheel<1")
    assert config.lock_timeout == 0.5
    assert config.http_timeout == 12.0
    assert config.connect_timeout == 2.5
    assert config.http_retries == 0
    assert config.max_page_size == 1048576
    assert environment.build_constraint() == str(constraints)


def test_arguments_win_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("setuptools<81\n", encoding="utf-8")
    monkeypatch.setenv("SDISTILL_BUILD_CONSTRAINT", str(constraints))
    for name in VARIABLES[2:]:
        monkeypatch.setenv(name, "not a number")  # not read: the arguments are given
    config = BuilderConfig(
        tmp_path / "arg",
        build_constraints=[],
        lock_timeout=1,
        http_timeout=2,
        connect_timeout=3,
        http_retries=4,
        max_page_size=5,
    )
    assert config.cache_dir == str(tmp_path / "arg")
    assert config.build_constraints == ()  # [] means none, whatever the environment says
    assert (config.lock_timeout, config.http_timeout, config.connect_timeout) == (1, 2, 3)
    assert (config.http_retries, config.max_page_size) == (4, 5)


def test_empty_variables_mean_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES[1:]:
        monkeypatch.setenv(name, " ")
    assert environment.build_constraint() is None
    config = BuilderConfig()
    assert config.build_constraints == ()
    assert (config.http_timeout, config.http_retries, config.lock_timeout) == (30, 3, 300)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SDISTILL_HTTP_TIMEOUT", "soon", "is not a number"),
        ("SDISTILL_CONNECT_TIMEOUT", "-1", "must not be negative"),
        ("SDISTILL_LOCK_TIMEOUT", "nan", "not a finite number"),
        ("SDISTILL_LOCK_TIMEOUT", "inf", "not a finite number"),
        ("SDISTILL_HTTP_RETRIES", "2.5", "not a whole number"),
        ("SDISTILL_HTTP_RETRIES", "many", "is not a number"),
        ("SDISTILL_MAX_PAGE_SIZE", "lots", "is not a number"),
        ("SDISTILL_MAX_PAGE_SIZE", "-5", "must not be negative"),
    ],
)
def test_bad_environment_values_are_clear_errors(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SdistillError, match=rf"{variable}='{value}' .*{message}") as info:
        BuilderConfig()
    assert not isinstance(info.value, ValueError)


def test_whole_numbers_may_be_written_as_decimals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDISTILL_HTTP_RETRIES", "5.0")
    assert environment.http_retries() == 5


def test_missing_constraints_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDISTILL_BUILD_CONSTRAINT", str(tmp_path / "missing.txt"))
    with pytest.raises(FileNotFoundError):
        BuilderConfig()


@pytest.mark.parametrize(
    "keywords",
    [
        {"index_strategy": "fastest"},
        {"installer": "conda"},
        {"jobs": -1},
        {"http_timeout": -1.0},
        {"lock_timeout": float("nan")},
        {"http_retries": 1.5},
        {"max_page_size": -1},
        {"refresh": "six"},
    ],
)
def test_bad_arguments_are_value_errors(keywords: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r".+"):
        BuilderConfig(**keywords)  # type: ignore[arg-type]


def test_bad_requirements_are_sdistill_errors() -> None:
    with pytest.raises(SdistillError, match="invalid build constraint"):
        BuilderConfig(build_constraints=["not a requirement!"])
    with pytest.raises(SdistillError, match="invalid requirement"):
        BuilderConfig(extra_build_dependencies={"six": ["!!"]})


def full_config(tmp_path: Path) -> BuilderConfig:
    return BuilderConfig(
        tmp_path / "cache",
        index_url="https://example.org/simple",
        extra_index_urls=["https://mirror.example.org/simple/"],
        find_links=[tmp_path / "wheels"],
        index_strategy="merge",
        index_cache_control={"https://example.org/simple": "max-age=60"},
        offline=True,
        refresh=["Foo_Bar", "six"],
        build_isolation=False,
        config_settings={"--build-option": ["--a", "--b"], "editable_mode": "compat"},
        no_build=True,
        jobs=3,
        installer="pip",
        build_constraints=["setuptools < 81", "wheel"],
        extra_build_dependencies={"Some_Project": ["cython<3"]},
        http_timeout=5,
    )


def test_values_are_normalised(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    assert config.find_links == (str(tmp_path / "wheels"),)
    assert config.index_cache_control == {"https://example.org/simple/": "max-age=60"}
    assert config.refresh == frozenset({"foo-bar", "six"})
    assert config.config_settings == {
        "--build-option": ("--a", "--b"),
        "editable_mode": "compat",
    }
    assert config.config_settings_dict() == {
        "--build-option": ["--a", "--b"],
        "editable_mode": "compat",
    }
    assert config.build_constraints == ("setuptools<81", "wheel")
    assert config.extra_build_dependencies == {"some-project": ("cython<3",)}
    assert config.index_urls == ("https://example.org/simple", "https://mirror.example.org/simple/")
    assert BuilderConfig(index_url=None, extra_index_urls=["https://a/"]).index_urls == (
        "https://a/",
    )
    assert config.job_count() == 3
    assert BuilderConfig(refresh=True).refresh is True
    assert BuilderConfig(refresh=[]).refresh is False


def test_same_meaning_compares_equal(tmp_path: Path) -> None:
    first = BuilderConfig(tmp_path, config_settings={"b": "1", "a": ["x"]}, refresh=["Six", "six"])
    second = BuilderConfig(
        str(tmp_path), config_settings=[("a", ("x",)), ("b", "1")], refresh={"six"}
    )
    assert first == second
    assert hash(first) == hash(second)


def test_pickle_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = full_config(tmp_path)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(config, protocol))
        assert copy == config
        assert hash(copy) == hash(config)
    # The receiving side uses the values read where the config was made.
    monkeypatch.setenv("SDISTILL_HTTP_TIMEOUT", "99")
    monkeypatch.setenv("SDISTILL_CACHE_DIR", str(tmp_path / "elsewhere"))
    default = BuilderConfig(lock_timeout=7)
    monkeypatch.setenv("SDISTILL_HTTP_TIMEOUT", "1")
    copy = pickle.loads(pickle.dumps(default))
    assert copy.http_timeout == 99.0
    assert copy.cache_dir == str(tmp_path / "elsewhere")


def test_frozen(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.offline = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del config.jobs  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.config_settings["editable_mode"] = "strict"  # type: ignore[index]
    assert isinstance(config.config_settings, Mapping)


def test_frozen_mapping() -> None:
    mapping = FrozenMapping({"b": ("1", "2"), "a": "x"})
    assert mapping == {"a": "x", "b": ("1", "2")}
    assert mapping == FrozenMapping([("a", "x"), ("b", ("1", "2"))])
    assert hash(mapping) == hash(FrozenMapping({"a": "x", "b": ("1", "2")}))
    copy = pickle.loads(pickle.dumps(mapping))
    assert type(copy) is FrozenMapping
    assert copy == mapping
    assert dict(copy) == {"a": "x", "b": ("1", "2")}
    assert "FrozenMapping" in repr(mapping)


def test_create_takes_the_builder_parameters(tmp_path: Path) -> None:
    created = BuilderConfig.create(
        tmp_path, None, ["https://a/simple"], True, ["Six"], False, {"k": "v"}, True, jobs=2
    )
    assert created == BuilderConfig(
        tmp_path,
        index_url=None,
        extra_index_urls=["https://a/simple"],
        offline=True,
        refresh={"six"},
        build_isolation=False,
        config_settings={"k": "v"},
        no_build=True,
        jobs=2,
    )
    with pytest.raises(TypeError):
        BuilderConfig.create(tmp_path, None, [], True, False, True, None, False, 2)


def test_replace_keeps_every_other_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = full_config(tmp_path)
    monkeypatch.setenv("SDISTILL_HTTP_RETRIES", "9")  # a replace reads no environment
    changed = dataclasses.replace(config, offline=False)
    assert changed.offline is False
    assert dataclasses.replace(changed, offline=True) == config


def test_public_name() -> None:
    assert sdistill.BuilderConfig is BuilderConfig
    assert "BuilderConfig" in sdistill.__all__


def test_public_names_typed_as_listed() -> None:
    """The type checkers' imports in ``sdistill/__init__.py`` name exactly the public
    names, each from the module the lazy table loads it from."""
    tree = ast.parse(Path(sdistill.__file__).read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module != "typing":
                    for alias in statement.names:
                        assert alias.asname == alias.name, alias.name  # re-exported
                        assert statement.module is not None
                        typed[alias.name] = statement.module
    lazy = {name: sdistill._LAZY[name] for name in sdistill.__all__}
    assert typed == lazy
    assert set(sdistill.__all__) <= set(dir(sdistill))
    for name in sdistill.__all__:
        assert getattr(sdistill, name) is not None


def test_a_builder_is_made_from_a_config_or_the_same_keywords(tmp_path: Path) -> None:
    archive = static_sdist(
        tmp_path / "demo_pkg-1.0.tar.gz",
        "Metadata-Version: 2.2\nName: demo-pkg\nVersion: 1.0\nRequires-Dist: six\n",
    )
    config = BuilderConfig(tmp_path / "cache", index_url=None, offline=True)
    shipped = pickle.loads(pickle.dumps(config))  # what a worker on another machine gets
    from_config = sdistill.SourceDistBuilder(shipped)
    from_keywords = sdistill.SourceDistBuilder(
        cache_dir=tmp_path / "cache", index_url=None, offline=True
    )
    assert from_config.config == from_keywords.config == config
    metadata = from_config.metadata(archive)
    assert (metadata.name, [str(r) for r in metadata.requires_dist or []]) == ("demo-pkg", ["six"])
    assert from_keywords.metadata(archive).name == "demo-pkg"
    with pytest.raises(TypeError):
        sdistill.SourceDistBuilder(config, offline=False)
