from __future__ import annotations

from rest_framework import serializers

from reviews.models import Finding, ImportBatch


class ImportBatchSerializer(serializers.ModelSerializer):
    cycle = serializers.CharField(source="cycle.label", read_only=True, default=None)
    actor = serializers.CharField(source="actor_label", read_only=True)
    errors_not_shown = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id", "url", "kind", "cycle", "source", "filename", "file_format", "file_hash", "file_size", "dry_run",
            "actor", "created_at", "started_at", "finished_at", "status", "progress", "message", "row_count",
            "rows_added", "rows_updated", "rows_unchanged", "rows_removed", "scope", "error_count", "errors",
            "errors_not_shown", "duplicate_of", "idempotency_key", "seconds",
        ]

    def get_url(self, batch: ImportBatch) -> str:
        return f"/api/v1/imports/{batch.pk}/"


class FindingSerializer(serializers.ModelSerializer):
    cycle = serializers.CharField(source="cycle.label", read_only=True)
    waived_by = serializers.CharField(source="waived_by.get_username", read_only=True, default=None)

    class Meta:
        model = Finding
        fields = ["id", "cycle", "check_code", "severity", "subject", "message", "details", "status", "found_at",
                  "resolved_at", "waived_by", "waived_at", "waive_comment"]


class WaiveSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000)


class ChecksSerializer(serializers.Serializer):
    cycle = serializers.CharField(max_length=7)
