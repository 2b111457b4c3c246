import pytest
from django.db import DatabaseError, connection, transaction

from cycles.models import Event


def test_the_database_refuses_to_update_a_history_row(cycle):
    event = Event.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(comment="rewritten")
    event.refresh_from_db()
    assert event.comment == ""


def test_the_database_refuses_to_delete_a_history_row(cycle):
    count = Event.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cycles_event")
    assert Event.objects.count() == count


def test_the_model_refuses_edits_and_deletes(cycle):
    event = Event.objects.first()
    event.comment = "x"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


def test_a_cycle_with_history_cannot_be_deleted(cycle):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        cycle.delete()
