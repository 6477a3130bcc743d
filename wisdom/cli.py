"""The ``wisdom`` command: Flask's CLI with WISDOM's own commands. Errors are one line, exit 1."""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from wisdom import demo
from wisdom.access import ROLES
from wisdom.audit.services import verify
from wisdom.auth import services
from wisdom.auth.models import User
from wisdom.db import db

log = logging.getLogger(__name__)


class WisdomGroup(FlaskGroup):
    """A FlaskGroup that turns any unexpected error into one clear line and a non-zero exit."""

    def invoke(self, ctx):
        """Run the command; show a failure as one line, keep the detail in the log."""
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            # Click would print the usage and a hint over three lines; keep its exit code 2.
            hint = f" Try '{error.ctx.command_path} --help'." if error.ctx else ""
            short = click.ClickException(f"{error.format_message()}{hint}")
            short.exit_code = error.exit_code
            raise short from None
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - the one place that catches everything
            log.debug("command failed", exc_info=error)
            raise click.ClickException(_one_line(error)) from None


def _one_line(error: Exception) -> str:
    """A readable, single-line description of an error."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{type(error).__name__}: {text}"


def _create_app():
    from wisdom.app import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``wisdom`` console script."""
    cli = WisdomGroup(create_app=_create_app, help="WISDOM: the knowledge library.")
    cli.main(args=sys.argv[1:], prog_name="wisdom")


def register_commands(app: Flask) -> None:
    """Add WISDOM's own commands to ``app.cli`` (and so to ``flask --app wisdom``)."""
    app.cli.add_command(users)
    app.cli.add_command(demo_group)
    app.cli.add_command(audit)


@click.group(help="Manage user accounts.")
def users():
    """The ``users`` command group."""


def _user(email: str) -> User:
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}")
    return user


def _refused(error: services.AccountError):
    db.session.rollback()
    raise click.ClickException(str(error))


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(sorted(ROLES)),
    help="A role (repeat for several).",
)
@click.option("--cleared", is_flag=True, help="Grant confidential clearance by name.")
@click.password_option(help="The first password (asked for if not given).")
@with_appcontext
def create_user(email, name, roles, cleared, password):
    """Create an account."""
    try:
        user = services.create_user(email, name, password, roles, cleared=cleared)
    except services.AccountError as error:
        _refused(error)
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(user.role_keys)})")


@users.command("list")
@with_appcontext
def list_users():
    """List every account with its roles and status."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        status = "active" if user.active else "disabled"
        click.echo(f"{user.email}\t{user.name}\t{','.join(user.role_keys)}\t{status}")


@users.command("disable")
@click.argument("email")
@with_appcontext
def disable_user(email):
    """Disable an account; its sessions end at their next request."""
    user = _user(email)
    services.set_active(user, False)
    db.session.commit()
    click.echo(f"Disabled {user.email}")


@users.command("grant-role")
@click.argument("email")
@click.argument("role", type=click.Choice(sorted(ROLES)))
@with_appcontext
def grant_role(email, role):
    """Give an account another role."""
    user = _user(email)
    try:
        services.grant_role(user, role)
    except services.AccountError as error:
        _refused(error)
    db.session.commit()
    click.echo(f"{user.email} now holds: {', '.join(user.role_keys)}")


@click.group("demo", help="Demo users and content.")
def demo_group():
    """The ``demo`` command group."""


@demo_group.command("load")
@with_appcontext
def load_demo():
    """Load demo users and content; running it again changes nothing."""
    for line in demo.load():
        click.echo(line)


@click.group(help="The audit log.")
def audit():
    """The ``audit`` command group."""


@audit.command("verify")
@with_appcontext
def verify_audit():
    """Check the audit log's hash chain; exit 1 if any record was changed or removed."""
    result = verify()
    for problem in result.problems:
        click.echo(problem, err=True)
    if not result.ok:
        raise click.ClickException(
            f"The audit log has been tampered with: {len(result.problems)} problems"
        )
    click.echo(f"The audit log is intact: {result.checked} records checked")


def account(email: str):
    """The account a command acts as, or a one-line error if there is none."""
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}")
    return user


class ServerReader:
    """The reader of a full export from the command line: every classification (it runs with
    server access, so it may read what the database holds)."""

    id = 0
    email = "cli"
    is_authenticated = True
    is_active = True
    role_keys = ("pdm",)
    team_ids = ()
    cleared = True
