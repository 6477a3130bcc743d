"""Routes for signing in and out and changing a password."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wisdom.access import is_staff
from wisdom.auth import services
from wisdom.auth.forms import ChangePasswordForm, SignInForm, SignOutForm
from wisdom.auth.passwords import minimum_length
from wisdom.db import db
from wisdom.security import limiter

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    """Rate-limit key: the account being tried, so guessing one account is slowed everywhere."""
    return "account:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    "10 per 5 minutes",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=lambda r: r.status_code != 302,
)
@limiter.limit("100 per 5 minutes", methods=["POST"])
def sign_in():
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        if result.user is None:
            db.session.commit()  # keep the failure count and its audit record
            form.password.errors.append(result.error)
            return render_template("auth/sign_in.html", form=form, failed=result.error), 200
        services.sign_in(result.user)
        db.session.commit()
        if result.user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    """Sign out, ending every session of this account."""
    SignOutForm()  # CSRF is checked by CSRFProtect before the view runs
    services.sign_out(current_user._get_current_object())
    db.session.commit()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change your own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(), form.current.data, form.new.data
            )
        except services.AccountError as error:
            db.session.rollback()
            target = form.current if "current password is not" in str(error) else form.new
            target.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password has been changed", "success")
            return redirect(url_for("home.index"))
    return render_template(
        "auth/change_password.html", form=form, minimum=minimum_length(is_staff(current_user))
    )


def _safe_next(target: str | None) -> str:
    """Only follow a 'next' address inside WISDOM."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")
