FROM gcc:12 AS build
WORKDIR /usr/src/gz
COPY Makefile gz.c ./
RUN make LDFLAGS=-s

# zlib1g (the runtime library) is already in debian:bookworm-slim
FROM debian:bookworm-slim
WORKDIR /usr/src/gz
COPY --from=build /usr/src/gz/gz ./gz
USER nobody
CMD ["./gz"]
