import pytest

from gongzhi.accounts.roles import Role

from . import factories


@pytest.fixture
def worker(tree, make_user):
    return make_user(Role.GRID_WORKER, tree.grid_a1)


@pytest.fixture
def health_worker(tree, make_user):
    return make_user(Role.HEALTH_WORKER, tree.community_a)


@pytest.fixture
def elder(tree):
    return factories.resident(tree.grid_a1)
