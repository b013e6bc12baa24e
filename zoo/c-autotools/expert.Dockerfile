FROM buildpack-deps:bookworm AS build
WORKDIR /usr/src/greet
COPY configure.ac Makefile.am README ./
COPY src ./src
RUN autoreconf -fi \
 && ./configure --prefix=/usr/local \
 && make \
 && make install-strip DESTDIR=/out

FROM debian:bookworm-slim
COPY --from=build /out/usr/local/ /usr/local/
USER nobody
CMD ["greet"]
