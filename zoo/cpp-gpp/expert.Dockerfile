FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ libc6-dev make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY Makefile main.cpp ./
RUN make LDFLAGS=-s

# libstdc++6 is already part of debian:bookworm-slim
FROM debian:bookworm-slim
WORKDIR /app
COPY --from=build /app/app ./app
USER nobody
CMD ["./app"]
