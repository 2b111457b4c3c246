import pytest

from tests.reviews.helpers import load_samples


@pytest.fixture
def catalog_loaded(owner):
    """The sample master data (families ART and KIN, three channels, SKUs, resources, components...)."""
    return load_samples(owner, kinds=["families", "channels", "skus", "resources", "routings", "components",
                                      "supply_options", "option_prices", "family_prices", "bom", "budget"])
