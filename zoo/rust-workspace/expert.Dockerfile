FROM rust:1.96 AS build
WORKDIR /app
COPY Cargo.toml Cargo.lock ./
COPY core ./core
COPY server ./server
RUN cargo build --release --locked -p server && strip target/release/server

FROM debian:trixie-slim
RUN useradd --system --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /app/target/release/server /app/target/release/server
WORKDIR /app
USER app
EXPOSE 3000
CMD ["/app/target/release/server"]
