FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make cmake \
 && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt calc.c /src/
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS="-static -s" \
 && cmake --build /build \
 && cmake --install /build --prefix /out

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bin/calc /usr/local/bin/calc
CMD ["/usr/local/bin/calc"]
