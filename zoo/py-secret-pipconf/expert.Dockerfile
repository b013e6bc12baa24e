# The credentials never reach the final image: pip.conf is only in the build stage, which
# installs into a venv; the runtime stage copies the venv and the app, nothing else.
FROM python:3.11-slim AS build
RUN python -m venv --without-pip /opt/venv
WORKDIR /tmp/build
COPY pip.conf requirements.txt ./
RUN PIP_CONFIG_FILE=pip.conf pip --python /opt/venv/bin/python install --no-cache-dir -r requirements.txt

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
COPY --from=build /opt/venv /opt/venv
WORKDIR /usr/src/app
COPY app.py .
USER nobody
ENTRYPOINT ["python", "app.py"]
CMD ["--help"]
