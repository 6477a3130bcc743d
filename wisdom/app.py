"""The application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from wisdom import components, config, db, errors, security, views
from wisdom.admin import blueprint as admin_blueprint
from wisdom.audit import blueprint as audit_blueprint
from wisdom.auth import blueprint as auth_blueprint
from wisdom.cli import register_commands
from wisdom.notifications import blueprint as notifications_blueprint

MIGRATIONS = str(Path(__file__).parent / "migrations")
migrate = Migrate()


def create_app(test_config: dict | None = None) -> Flask:
    """Build a WISDOM app: defaults, instance/config.py, WISDOM_* environment, then test_config."""
    app = Flask(
        "wisdom",
        instance_relative_config=True,
        static_url_path="/assets",
        static_folder="static",
        instance_path=os.environ.get("WISDOM_INSTANCE_PATH") or None,
    )
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.secret_key(app.instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.getLogger("wisdom").setLevel(app.config["WISDOM_LOG_LEVEL"])

    _templates(app)
    db.init_app(app)
    migrate.init_app(app, db.db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth_blueprint.bp)
    app.register_blueprint(admin_blueprint.bp)
    app.register_blueprint(audit_blueprint.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(notifications_blueprint.bp)
    register_commands(app)
    components.load_all(app)
    return app


def _templates(app: Flask) -> None:
    """Find templates in WISDOM and its components, then in the GOV.UK macro packages."""
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_options = {**app.jinja_options}
    WTFormsHelpers(app)
    views.init_templates(app)
