# Build stage: the full image has gcc and Python.h; crcmod's C extension is compiled into a venv.
FROM python:3.11 AS build
# A venv without its own pip/setuptools (16 MB + 9 MB): the system pip installs into it.
RUN python -m venv --without-pip /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN pip --python /opt/venv/bin/python install --no-cache-dir -r /tmp/requirements.txt

# Runtime: slim python, only the venv and the app; the compiler never touches a runtime layer.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY requirements.txt app.py ./
USER nobody
ENTRYPOINT ["python", "app.py"]
CMD ["-a", "crc-32c", "requirements.txt"]
