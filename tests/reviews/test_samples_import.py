"""Every kind has a documented sample file under docs/samples/ that imports cleanly."""
from catalog.models import BomLine, Channel, ProductFamily, SupplyOptionPrice
from reviews.imports.kinds import KINDS
from reviews.models import ComponentSupply, InventoryActual, Shipment
from tests.reviews.helpers import ORDER, SAMPLES, load_samples


def test_every_kind_has_a_sample_file_and_a_place_in_the_order():
    assert set(ORDER) == set(KINDS)
    for kind in KINDS:
        assert (SAMPLES / f"{kind}.csv").is_file(), kind


def test_every_kind_is_documented_with_all_its_columns():
    text = (SAMPLES.parent / "import-formats.md").read_text()
    for kind in KINDS.values():
        assert f"### {kind.name}" in text, kind.name
        for column in kind.column_names:
            assert f"`{column}`" in text, (kind.name, column)


def test_the_samples_import_cleanly_in_order(owner, cycle):
    batches = load_samples(owner, cycle=cycle)
    assert ProductFamily.objects.count() == 2
    assert Channel.objects.get(code="ecommerce").backlog_cost is None
    assert BomLine.objects.count() == 4
    assert SupplyOptionPrice.objects.count() == 2
    assert Shipment.objects.count() == 8
    assert set(Shipment.objects.values_list("family__code", flat=True)) == {"ART", "KIN"}  # SKUs roll up
    assert InventoryActual.objects.filter(cycle=cycle).count() == 4
    assert ComponentSupply.objects.filter(cycle=cycle).count() == 3
    assert all(b.error_count == 0 for b in batches.values())
