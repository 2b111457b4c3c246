# One image for web, worker and beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SOP_VAR_DIR=/var/lib/sop STATIC_MANIFEST=1 STATIC_ROOT=/app/staticfiles
WORKDIR /app
COPY pyproject.toml README.md ./
COPY sop ./sop
COPY catalog ./catalog
COPY cycles ./cycles
COPY reviews ./reviews
COPY optimizer ./optimizer
COPY decisions ./decisions
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput \
    && useradd --system --home /app sop && mkdir -p /var/lib/sop && chown sop /var/lib/sop
USER sop
EXPOSE 8000
CMD ["gunicorn", "sop.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
