FROM rust:1.96 AS build
WORKDIR /usr/src/cfgsrv
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked && strip target/release/cfgsrv

FROM debian:trixie-slim
RUN useradd --system --no-create-home --shell /usr/sbin/nologin app
WORKDIR /usr/src/cfgsrv
COPY config ./config
COPY --from=build /usr/src/cfgsrv/target/release/cfgsrv ./target/release/cfgsrv
USER app
EXPOSE 7878
CMD ["target/release/cfgsrv"]
