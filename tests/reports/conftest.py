import pytest

from tests.support.plans import make_world


@pytest.fixture
def world(app):
    return make_world()
