FROM ubuntu:20.04 AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/greeter
COPY src ./src
RUN javac -d out src/App.java

FROM debian:bookworm-slim
# slim images drop /usr/share/man; the JRE postinst needs man1 for its alternatives
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/greeter
COPY resources ./resources
COPY --from=build /opt/greeter/out ./out
ENV APP_LANG=en
USER nobody
CMD ["java", "-cp", "out:resources", "App"]
