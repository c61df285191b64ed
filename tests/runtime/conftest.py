"""The Lambda package these tests run: the prod stage's, as `make package` builds it, once per session."""

import pytest

from tests.support.lambda_package import Package, built_package


@pytest.fixture(scope="session")
def prod_package(tmp_path_factory) -> Package:
    return built_package("prod", tmp_path_factory.mktemp("package-prod"))
