FROM ubuntu:22.04 AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY Makefile server.c ./
RUN make CFLAGS="-O2 -Wall -s"

FROM debian:bookworm-slim
WORKDIR /app
COPY --from=build /app/server ./server
USER nobody
EXPOSE 8080
CMD ["./server"]
