FROM gcc:12 AS build
WORKDIR /usr/src/wordfreq
COPY Makefile wordfreq.c ./
RUN make CFLAGS="-O2 -Wall" LDFLAGS="-s" \
 && make install DESTDIR=/out

FROM debian:bookworm-slim
COPY --from=build /out/usr/local/bin/wordfreq /usr/local/bin/wordfreq
USER nobody
CMD ["wordfreq"]
