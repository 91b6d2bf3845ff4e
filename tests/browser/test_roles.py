"""Each demo role signs in through Chromium and lands on its home page."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("admin@demo.example", "head-office administrator"),
        ("north.supervisor@demo.example", "You supervise North"),
        ("south.supervisor@demo.example", "You supervise East, South"),
        ("n02@demo.example", "Tianjin Harbour Sports"),
    ],
)
def test_demo_role_signs_in_and_reaches_home(demo, page, sign_in, email, expected):
    sign_in(email)
    expect(page.locator("main")).to_contain_text(expected)
