"""Sign in and out, change password, see and end sessions, choose the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.access import public, signed_in
from portal.auth import passwords, reset, services, sessions
from portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LocaleForm,
    ResetPasswordForm,
    SignInForm,
)
from portal.extensions import db
from portal.forms import ButtonForm
from portal.mail import outbox
from portal.security import is_safe_redirect

bp = Blueprint("auth", __name__)

SESSION_ENDED = _l("Your session has ended. Please sign in again.")
POSTED_AFTER_END = _l(
    "Your session has ended, so what you sent was not saved. Sign in again: "
    "the figures you typed are kept in this browser and put back."
)
ACCESS_ENDED = _l(
    "Your dealer no longer has access to the portal. Please contact your regional supervisor."
)


def _home() -> str:
    return url_for("dashboard.home")


def unauthorized():
    """Anonymous request to a signed-in page: the sign-in page, coming back here afterwards."""
    ended = bool(g.get("session_ended"))
    if request.is_json or request.accept_mimetypes.best == "application/json":
        message = SESSION_ENDED if ended else _("Please sign in.")
        return jsonify(error=401, message=str(message), session_ended=ended), 401
    if request.method == "GET":
        flash(SESSION_ENDED if ended else _("Please sign in to continue."), "info")
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    target = None
    if ended:
        # A form posted after the session ended: nothing was saved. Back to the page it
        # came from after signing in; its script (the plan grid's) puts the figures back.
        flash(POSTED_AFTER_END, "warning")
        referrer = urlsplit(request.referrer or "")
        if referrer.netloc == request.host and is_safe_redirect(referrer.path):
            target = referrer.path + (f"?{referrer.query}" if referrer.query else "") + "#restore"
    else:
        flash(_("Please sign in to continue."), "info")
    return redirect(url_for("auth.sign_in", next=target))


@bp.app_context_processor
def session_timing() -> dict:
    """For the expiry warning on signed-in pages (portal/static/js/session.js)."""
    # PDFs rendered by jobs have no request, and so no user.
    signed_in_now = has_request_context() and current_user and current_user.is_authenticated
    record = sessions.current_session() if signed_in_now else None
    if record is None:
        return {"session_seconds_left": None}
    return {"session_seconds_left": sessions.seconds_left(record)}


@bp.route("/session/status")
@signed_in(during_password_change=True)
def session_status():
    """Seconds left and the current CSRF token: a page kept open across a new sign-in
    (in another tab) picks up the new token, so what it still has to send is not refused."""
    record = sessions.current_session()
    left = sessions.seconds_left(record) if record is not None else 0
    return jsonify(seconds_left=left, csrf_token=generate_csrf())


@bp.route("/session/keep-alive", methods=["POST"])
@signed_in(during_password_change=True)
def keep_alive():
    """Stay signed in: the idle timeout starts again (CSRF-checked like every POST)."""
    record = sessions.current_session()
    if record is None:  # pragma: no cover - @signed_in guarantees a session
        abort(401)
    sessions.refresh(record)
    db.session.commit()
    return jsonify(seconds_left=sessions.seconds_left(record))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(_home())
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            result = services.sign_in(
                email=form.email.data,
                password=form.password.data,
                ip_address=request.remote_addr or "",
                user_agent=request.user_agent.string,
            )
        except services.SignInThrottled as throttled:
            db.session.commit()
            flash(_("Too many failed sign-ins. Wait a few minutes and try again."), "danger")
            headers = {"Retry-After": str(throttled.retry_after)}
            return _sign_in_page(form), 429, headers
        except services.AccessEnded:
            db.session.commit()
            flash(ACCESS_ENDED, "danger")
            return _sign_in_page(form), 403
        db.session.commit()
        if result is None:
            flash(_("Invalid email or password."), "danger")
            status = 200
        else:
            session.clear()  # a new session (and CSRF token) at every sign-in
            session.permanent = True
            session[sessions.SESSION_KEY] = result.token
            target = form.next.data
            return redirect(target if is_safe_redirect(target) else _home())
    return _sign_in_page(form), status


def _sign_in_page(form: SignInForm) -> str:
    return render_template("auth/sign_in.html", form=form, mail_enabled=outbox.enabled())


@bp.route("/sign-out", methods=["POST"])
@signed_in(during_password_change=True)
def sign_out():
    if ButtonForm().validate_on_submit():
        services.sign_out(current_user, sessions.current_session())
        db.session.commit()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account")
@signed_in
def account():
    return render_template(
        "auth/account.html",
        live_sessions=sessions.live_sessions_of(current_user),
        this_session=sessions.current_session(),
        button=ButtonForm(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in(during_password_change=True)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                current=form.current_password.data,
                new=form.new_password.data,
                keep=sessions.current_session(),
                ip_address=request.remote_addr or "",
            )
        except services.WrongPassword as wrong:
            db.session.commit()  # keep the failed attempt in the activity log and the counters
            if wrong.session_ended:
                session.clear()
                flash(_("Too many wrong passwords: you were signed out."), "danger")
                return redirect(url_for("auth.sign_in"))
            form.current_password.errors.append(_("This is not your current password."))
        except passwords.WeakPassword as error:
            db.session.rollback()
            form.new_password.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(_home())
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@signed_in
def end_session(session_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    this = sessions.current_session()
    if this is not None and this.id == session_id:
        abort(400)
    if not services.end_own_session(current_user, session_id):
        abort(404)
    db.session.commit()
    flash(_("The session was ended."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@signed_in
def end_other_sessions():
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.end_other_sessions(current_user, keep=sessions.current_session())
    db.session.commit()
    flash(_("Your other sessions were signed out."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/locale", methods=["POST"])
@public
def set_locale():
    form = LocaleForm()
    form.locale.choices = list(current_app.config["LANGUAGES"].items())
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        services.set_locale(current_user, form.locale.data)
        db.session.commit()
    session["locale"] = form.locale.data
    target = form.next.data
    return redirect(target if is_safe_redirect(target) else _home())


RESET_TOKEN_KEY = "reset_token"  # noqa: S105  (a session key's name)
LINK_SENT = _l(
    "If an account uses this address, a link to choose a new password is on its way. "
    "It works once, within %(minutes)s minutes."
)
LINK_INVALID = _l(
    "This link does not work any more: it was used, it expired, a newer one was sent, or the "
    "password was changed since. Ask for a new link below."
)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    """The same answer whether or not the address has an account (S23)."""
    if not outbox.enabled():
        abort(404)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            reset.request_reset(email=form.email.data, ip_address=request.remote_addr or "")
        except reset.ResetThrottled:
            db.session.commit()
            flash(_("Too many requests. Wait a while and try again."), "danger")
            return render_template("auth/forgot_password.html", form=form), 429
        db.session.commit()
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        flash(LINK_SENT % {"minutes": minutes}, "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password-reset", methods=["GET", "POST"])
@public
def reset_password():
    """The mailed link: its token moves into the session at once, so it stays out of the
    address bar, the history and any Referer; the form then sets the new password."""
    token = request.args.get("token")
    if request.method == "GET" and token:
        session[RESET_TOKEN_KEY] = token[:100]
        return redirect(url_for("auth.reset_password"))
    token = session.get(RESET_TOKEN_KEY, "")
    try:
        record = reset.valid_reset(token)
    except reset.LinkInvalid:
        session.pop(RESET_TOKEN_KEY, None)
        if request.method == "POST":  # a GET never writes, not even this log entry
            reset.refuse(token)
            db.session.commit()
        flash(LINK_INVALID, "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.complete_reset(token, new_password=form.new_password.data)
        except passwords.WeakPassword as error:
            db.session.rollback()
            form.new_password.errors.append(str(error))
        except reset.LinkInvalid:
            db.session.rollback()
            session.pop(RESET_TOKEN_KEY, None)
            flash(LINK_INVALID, "danger")
            return redirect(url_for("auth.forgot_password"))
        else:
            db.session.commit()
            session.pop(RESET_TOKEN_KEY, None)
            flash(_("Your new password is set; every session was signed out. Sign in."), "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form, email=record.user.email)
