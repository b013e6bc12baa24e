FROM rust:1.96 AS build
WORKDIR /usr/src/myapp
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# std only: link the C runtime statically so the binary runs on distroless/static.
ENV RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_PROFILE_RELEASE_STRIP=symbols
RUN cargo install --locked --path . --root /out

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bin/myapp /usr/local/bin/myapp
USER nonroot:nonroot
EXPOSE 8080
CMD ["myapp"]
