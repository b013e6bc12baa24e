FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/src/notes
COPY notes.c .
RUN gcc -O2 -Wall -s -o notes notes.c -lsqlite3

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown nobody:nogroup /data
COPY --from=build /usr/src/notes/notes /usr/local/bin/notes
ENV NOTES_DB=/data/notes.db
VOLUME /data
USER nobody
CMD ["notes", "list"]
