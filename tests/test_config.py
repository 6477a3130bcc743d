"""Configuration: environment variables reach the app, and the README documents every one."""

from pathlib import Path

from wisdom.config import ENVIRONMENT, from_environment

README = Path(__file__).parent.parent / "README.md"


def test_every_environment_variable_is_in_the_readme_table():
    table = [line for line in README.read_text().splitlines() if line.startswith("| `WISDOM_")]
    documented = {line.split("`")[1] for line in table}
    assert documented == set(ENVIRONMENT)


def test_environment_variables_set_their_settings():
    environ = {name: "postgres" for name in ENVIRONMENT} | {"WISDOM_SECURE_COOKIES": "true"}
    settings = from_environment(environ)
    assert settings["WISDOM_SEARCH_BACKEND"] == "postgres"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgres"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert from_environment({"WISDOM_SECURE_COOKIES": "0"})["SESSION_COOKIE_SECURE"] is False
    assert from_environment({"HOME": "/root"}) == {}
