# Build stage: compile the extension into a wheel (the full image has gcc and the Python headers).
FROM python:3.10 AS build
WORKDIR /src
COPY setup.py README.md ./
COPY src ./src
COPY fastmath_cli.py ./
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

# Runtime: slim python with the built wheel installed; no compiler, no source tree.
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels
WORKDIR /usr/src/app
USER nobody
CMD ["python", "-m", "fastmath_cli", "primes", "1", "100"]
