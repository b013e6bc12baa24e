FROM gcc:12 AS build
WORKDIR /src
COPY hello.c .
RUN gcc -O2 -static -s -o hello hello.c

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/hello /usr/local/bin/hello
ENTRYPOINT ["/usr/local/bin/hello"]
