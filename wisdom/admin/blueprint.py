"""Administrators manage accounts: create, change roles and clearance, disable, reset passwords."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from wisdom import access
from wisdom.admin.forms import ConfirmForm, NewUserForm, ResetPasswordForm, UserDetailsForm
from wisdom.auth import services
from wisdom.auth.models import User
from wisdom.db import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@access.require("admin.users")
def users():
    """Every account, with its roles and status."""
    rows = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@access.require("admin.users")
def new_user():
    """Create an account."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.name.data,
                form.password.data,
                form.roles.data,
                actor=current_user,
                cleared=form.cleared.data,
            )
            user.must_change_password = True
        except services.AccountError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(
                f"Account created for {user.name}. They must change the password when they first sign in",
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access.require("admin.users")
def edit_user(user_id: int):
    """Change an account's details, roles and clearance."""
    user = _user_or_404(user_id)
    form = UserDetailsForm(obj=user)
    if not form.is_submitted():
        form.roles.data = user.role_keys
    if form.validate_on_submit():
        try:
            services.update_details(user, form.name.data, form.email.data, actor=current_user)
            services.set_roles(user, form.roles.data, actor=current_user)
            services.set_clearance(user, form.cleared.data, actor=current_user)
        except services.AccountError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(f"Changes to {user.name}'s account saved", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        confirm=ConfirmForm(),
        reset=ResetPasswordForm(),
    )


@bp.post("/users/<int:user_id>/active")
@access.require("admin.users")
def toggle_active(user_id: int):
    """Disable an account (its sessions end at their next request) or enable it again."""
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_active(user, not user.active, actor=current_user)
        except services.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                f"{user.name}'s account is now {'enabled' if user.active else 'disabled'}",
                "success",
            )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@access.require("admin.users")
def reset_password(user_id: int):
    """Set a temporary password that the person must change."""
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data, actor=current_user)
        except services.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"{user.name}'s password was reset. They must change it when they next sign in",
                "success",
            )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    details = UserDetailsForm(obj=user)
    details.roles.data = user.role_keys
    return render_template(
        "admin/user_form.html", form=details, user=user, confirm=ConfirmForm(), reset=form
    ), 400


def _attach(form, error: services.AccountError) -> None:
    """Show a service's refusal against the field it is about."""
    text = str(error)
    field = {
        "email": form.email,
        "name": form.name,
        "role": form.roles,
        "password": getattr(form, "password", None),
    }
    for word, target in field.items():
        if target is not None and word in text.lower():
            target.errors = [*target.errors, text]
            return
    form.name.errors = [*form.name.errors, text]
