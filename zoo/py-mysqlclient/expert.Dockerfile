# Build stage: compile mysqlclient against the MariaDB client headers into a venv.
FROM python:3.11 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-libmysqlclient-dev pkg-config \
    && python -m venv --without-pip /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN pip --python /opt/venv/bin/python install --no-cache-dir -r /tmp/requirements.txt

# Runtime: slim python plus the client shared library (libmariadb3) only.
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/opt/venv/bin:$PATH
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/visits
COPY app.py .
USER nobody
CMD ["python", "app.py"]
