"""The app starts, migrates and serves its sign-in page."""

from portal.models import Role
from tests.support.factories import make_user


def test_sign_in_page_renders(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert b'name="email"' in response.data
    assert b'name="password"' in response.data


def test_admin_signs_in_and_reaches_home(client, auth):
    admin = make_user(Role.ADMIN, name="Ada Admin")
    response = auth.sign_in(admin)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    page = client.get("/home")
    assert page.status_code == 200
    assert "Ada Admin" in page.get_data(as_text=True)
