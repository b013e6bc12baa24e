# Build stage: the full image already has gcc, python3-dev and libpq-dev; psycopg2 is compiled into a venv.
FROM python:3.11 AS build
# (a venv without its own pip and setuptools: the system pip installs into it)
RUN python -m venv --without-pip /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN pip --python /opt/venv/bin/python install --no-cache-dir -r /tmp/requirements.txt

# Runtime: slim python plus the libpq shared library only.
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home app
ENV PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY app.py .
USER app
CMD ["python", "app.py"]
