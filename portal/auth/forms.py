"""Forms of the sign-in area: one class per action."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class CurrentPasswordForm(FlaskForm):
    # Declared before NewPasswordForm: WTForms orders fields by declaration, and the error
    # summary lists them in that order, as the page shows them.
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordForm(FlaskForm):
    """A new password typed twice (changing it, or setting it from a reset link); the
    password policy itself is checked by the view through `auth.passwords`."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(CurrentPasswordForm, NewPasswordForm):
    submit = SubmitField(_l("Change password"))


class LocaleForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(NewPasswordForm):
    submit = SubmitField(_l("Set the new password"))
