"""The product line admin form edits the optional Chinese name; the list shows both names."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import ProductLine, Role
from tests.support.clients import signed_in_client
from tests.support.factories import make_user


def test_the_admin_form_saves_the_chinese_name(app):
    admin = signed_in_client(app, make_user(Role.ADMIN))
    assert 'name="name_zh"' in admin.get("/product-lines/new").get_data(as_text=True)

    response = admin.post(
        "/product-lines/new", data={"code": "ftw", "name": "Footwear", "name_zh": "鞋类"}
    )

    assert response.status_code == 302
    line = db.session.scalar(select(ProductLine).where(ProductLine.code == "FTW"))
    assert (line.name, line.name_zh) == ("Footwear", "鞋类")
    page = admin.get("/product-lines/").get_data(as_text=True)
    assert "Footwear" in page
    assert "鞋类" in page
