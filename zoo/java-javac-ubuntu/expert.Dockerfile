FROM ubuntu:22.04 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY src ./src
RUN javac -d out src/*.java

FROM debian:bookworm-slim
# slim images drop /usr/share/man; the JRE postinst needs man1 for its alternatives
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME /usr/lib/jvm/java-17-openjdk-amd64
WORKDIR /app
COPY --from=build /app/out ./out
USER nobody
CMD ["java", "-cp", "out", "Main"]
