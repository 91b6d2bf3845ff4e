"""The demo shows the second-language master data: Chinese names and city aliases."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import ProductLine, Standard, Store


def test_the_demo_has_chinese_names_and_city_aliases(demo):
    lines = db.session.scalars(select(ProductLine)).all()
    assert lines
    assert all(line.name_zh for line in lines)
    standard = db.session.scalar(select(Standard).where(Standard.code == "RSS"))
    for version in standard.versions:
        assert all(item.question_zh for item in version.items)
    beijing = db.session.scalars(select(Store).where(Store.city == "北京")).all()
    assert beijing
    assert {store.city_alias for store in beijing} == {"Beijing"}
