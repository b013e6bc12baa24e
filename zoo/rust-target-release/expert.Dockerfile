FROM rust:1.96 AS build
WORKDIR /usr/src/app
# Dependencies first, against a stub main, so they stay cached while src/ changes.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && \
    cargo build --release --locked && rm -rf src
COPY src ./src
RUN touch src/main.rs && cargo build --release --locked && strip target/release/primes

FROM debian:trixie-slim
RUN useradd --system --no-create-home --shell /usr/sbin/nologin app
WORKDIR /usr/src/app
COPY --from=build /usr/src/app/target/release/primes ./target/release/primes
USER app
CMD ["./target/release/primes"]
