"""Demo regions, dealers, stores, product lines and accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import (
    Dealer,
    DealerKind,
    DealerStatus,
    ProductLine,
    Region,
    Role,
    Store,
    StoreFormat,
    StoreStatus,
    User,
)

DEMO_PASSWORD = "portal-demo"  # noqa: S105  (documented demo password, demo mode only)

REGIONS = [("NORTH", "North"), ("EAST", "East"), ("SOUTH", "South")]

PRODUCT_LINES = [
    ("FTW", "Footwear"),
    ("APP", "Apparel"),
    ("ACC", "Accessories"),
    ("EQP", "Equipment"),
    ("KID", "Kids"),
]
PRODUCT_LINE_NAMES_ZH = {"FTW": "鞋类", "APP": "服装", "ACC": "配件", "EQP": "器材", "KID": "儿童"}
# the city in the other language, which search also reads (北京 finds Beijing and back)
CITY_ALIASES = {
    "北京": "Beijing",
    "Tianjin": "天津",
    "沈阳": "Shenyang",
    "Harbin": "哈尔滨",
    "上海": "Shanghai",
    "Hangzhou": "杭州",
    "南京": "Nanjing",
    "Suzhou": "苏州",
    "广州": "Guangzhou",
    "Shenzhen": "深圳",
    "厦门": "Xiamen",
    "Kunming": "昆明",
}

# code, name, kind, status, region, contact, phone, city, address, contract start, stores
DEALERS = [
    (
        "N01",
        "北京恒泰商贸有限公司",
        "franchisee",
        "active",
        "NORTH",
        "王伟",
        "+86 10 6552 1188",
        "北京",
        "朝阳区建国路88号",
        date(2021, 3, 1),
        [("国贸旗舰店", "flagship"), ("三里屯店", "standard"), ("望京店", "standard")],
    ),
    (
        "N02",
        "Tianjin Harbour Sports",
        "dealer",
        "active",
        "NORTH",
        "Li Na",
        "+86 22 2835 4410",
        "Tianjin",
        "12 Nanjing Road, Heping District",
        date(2020, 7, 1),
        [("Binjiang Road", "standard"), ("Aeon Mall Counter", "counter")],
    ),
    (
        "N03",
        "沈阳北方运动用品",
        "franchisee",
        "suspended",
        "NORTH",
        "赵敏",
        "+86 24 2251 7300",
        "沈阳",
        "和平区太原北街15号",
        date(2019, 5, 15),
        [("太原街店", "standard"), ("中街店", "shop_in_shop"), ("万象城专柜", "counter")],
    ),
    (
        "N04",
        "Harbin Northern Star Retail",
        "distributor",
        "active",
        "NORTH",
        "Chen Gang",
        "+86 451 8464 2020",
        "Harbin",
        "55 Zhongyang Street, Daoli District",
        date(2022, 1, 1),
        [
            ("Zhongyang Street", "flagship"),
            ("Songbei Outlet", "outlet"),
            ("Qunli Mall", "shop_in_shop"),
            ("Xuefu Road", "standard"),
        ],
    ),
    (
        "E01",
        "上海东方体育发展有限公司",
        "franchisee",
        "active",
        "EAST",
        "刘洋",
        "+86 21 6321 5500",
        "上海",
        "黄浦区南京东路300号",
        date(2018, 9, 1),
        [
            ("南京东路旗舰店", "flagship"),
            ("徐家汇店", "standard"),
            ("浦东八佰伴专柜", "counter"),
            ("青浦奥特莱斯", "outlet"),
            ("五角场店", "standard"),
        ],
    ),
    (
        "E02",
        "Hangzhou West Lake Outfitters",
        "dealer",
        "active",
        "EAST",
        "Zhou Jie",
        "+86 571 8706 3322",
        "Hangzhou",
        "8 Hubin Road, Shangcheng District",
        date(2021, 4, 1),
        [("Hubin Road", "flagship"), ("Wulin Square", "standard")],
    ),
    (
        "E03",
        "南京金陵运动",
        "franchisee",
        "prospect",
        "EAST",
        "孙丽",
        "+86 25 8452 6161",
        "南京",
        "玄武区中山路18号",
        None,
        [("新街口店", "standard"), ("河西万达专柜", "counter")],
    ),
    (
        "E04",
        "Suzhou Garden City Sports",
        "distributor",
        "active",
        "EAST",
        "Wu Hao",
        "+86 512 6523 1199",
        "Suzhou",
        "168 Guanqian Street, Gusu District",
        date(2020, 2, 1),
        [
            ("Guanqian Street", "standard"),
            ("Industrial Park", "shop_in_shop"),
            ("Mudu Outlet", "outlet"),
        ],
    ),
    (
        "S01",
        "广州南粤体育用品有限公司",
        "franchisee",
        "active",
        "SOUTH",
        "黄志强",
        "+86 20 8333 6688",
        "广州",
        "天河区天河路208号",
        date(2017, 11, 1),
        [
            ("天河城旗舰店", "flagship"),
            ("北京路店", "standard"),
            ("番禺店", "standard"),
            ("白云万达专柜", "counter"),
        ],
    ),
    (
        "S02",
        "Shenzhen Bay Active",
        "dealer",
        "active",
        "SOUTH",
        "Lin Mei",
        "+86 755 8632 9090",
        "Shenzhen",
        "2 Houhai Avenue, Nanshan District",
        date(2022, 6, 1),
        [("Coastal City", "flagship"), ("Dongmen", "standard"), ("Longgang", "standard")],
    ),
    (
        "S03",
        "厦门鹭岛运动",
        "dealer",
        "terminated",
        "SOUTH",
        "郑凯",
        "+86 592 2025 7788",
        "厦门",
        "思明区中山路99号",
        date(2016, 3, 1),
        [("中山路店", "standard"), ("SM城市广场专柜", "counter")],
    ),
    (
        "S04",
        "Kunming Spring City Sports",
        "franchisee",
        "active",
        "SOUTH",
        "He Yun",
        "+86 871 6316 4455",
        "Kunming",
        "21 Dongfeng West Road, Wuhua District",
        date(2023, 1, 1),
        [("Nanping Street", "standard"), ("Shuncheng Mall", "shop_in_shop")],
    ),
]


@dataclass
class DemoNetwork:
    regions: dict[str, Region] = field(default_factory=dict)
    dealers: dict[str, Dealer] = field(default_factory=dict)
    product_lines: list[ProductLine] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    def accounts(self) -> list[tuple[str, str]]:
        """(email, what the account is) for every demo user, to print at start-up."""
        return [(u.email, _describe(u)) for u in self.users.values()]


def _describe(user: User) -> str:
    if user.role == Role.DEALER and user.dealer is not None:
        return f"dealer user of {user.dealer.code} {user.dealer.name}"
    if user.role == Role.SUPERVISOR:
        return "supervisor of " + " and ".join(r.name for r in user.regions)
    return "head-office administrator"


def load_network() -> DemoNetwork:
    """The demo network already in the database (seeded earlier, by another process maybe)."""
    from sqlalchemy import select

    demo = DemoNetwork()
    demo.regions = {r.code: r for r in db.session.scalars(select(Region).order_by(Region.id))}
    demo.dealers = {d.code: d for d in db.session.scalars(select(Dealer).order_by(Dealer.id))}
    demo.product_lines = list(
        db.session.scalars(select(ProductLine).order_by(ProductLine.sort_order))
    )
    demo.users = {u.email: u for u in db.session.scalars(select(User).order_by(User.id))}
    return demo


def seed_network() -> DemoNetwork:
    demo = DemoNetwork()
    for code, name in REGIONS:
        demo.regions[code] = Region(code=code, name=name)
    for order, (code, name) in enumerate(PRODUCT_LINES):
        demo.product_lines.append(
            ProductLine(
                code=code,
                name=name,
                name_zh=PRODUCT_LINE_NAMES_ZH.get(code, ""),
                sort_order=order * 10,
            )
        )
    for row in DEALERS:
        demo.dealers[row[0]] = _dealer(demo, *row)
    db.session.add_all([*demo.regions.values(), *demo.product_lines, *demo.dealers.values()])
    password_hash = hash_password(DEMO_PASSWORD)
    people = [
        ("admin@demo.example", "Head Office Admin", Role.ADMIN, None, []),
        ("north.supervisor@demo.example", "Nora North", Role.SUPERVISOR, None, ["NORTH"]),
        ("south.supervisor@demo.example", "Sam South", Role.SUPERVISOR, None, ["EAST", "SOUTH"]),
    ]
    people += [
        (f"{d.code.lower()}@demo.example", d.contact_person or d.name, Role.DEALER, d, [])
        for d in demo.dealers.values()
    ]
    for email, name, role, dealer, regions in people:
        demo.users[email] = User(
            email=email,
            name=name,
            role=role,
            dealer=dealer,
            password_hash=password_hash,
            regions=[demo.regions[code] for code in regions],
            locale="zh_Hans" if dealer is not None and not dealer.name.isascii() else "en",
        )
    db.session.add_all(demo.users.values())
    db.session.flush()
    return demo


def _dealer(
    demo, code, name, kind, status, region, contact, phone, city, address, start, stores
) -> Dealer:
    dealer = Dealer(
        code=code,
        name=name,
        kind=DealerKind(kind),
        status=DealerStatus(status),
        region=demo.regions[region],
        contact_person=contact,
        phone=phone,
        email=f"contact@{code.lower()}.dealers.demo.example",
        address=address,
        city=city,
        city_alias=CITY_ALIASES.get(city, ""),
        contract_start=start,
        contract_end=date(start.year + 5, start.month, 1) if start else None,
        active=status != "terminated",
    )
    for number, (store_name, store_format) in enumerate(stores, start=1):
        dealer.stores.append(
            Store(
                code=f"{code}-{number:02d}",
                name=store_name,
                address=f"{address} ({store_name})",
                city=city,
                city_alias=CITY_ALIASES.get(city, ""),
                format=StoreFormat(store_format),
                opened_on=date(2015 + number, number, 10),
                status=StoreStatus.CLOSED if status == "terminated" else StoreStatus.OPEN,
                active=status != "terminated",
            )
        )
    return dealer
