FROM ubuntu:22.04 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless binutils \
 && rm -rf /var/lib/apt/lists/*
# minimal runtime: the app only needs java.base (objcopy from binutils is used by --strip-debug)
RUN jlink --add-modules java.base --strip-debug --no-man-pages --no-header-files \
      --compress=2 --output /opt/jre
WORKDIR /app
COPY src ./src
RUN javac -d build $(find src -name '*.java')

FROM debian:bookworm-slim
ENV JAVA_HOME=/opt/jre
ENV PATH="/opt/jre/bin:${PATH}"
COPY --from=build /opt/jre /opt/jre
WORKDIR /app
COPY --from=build /app/build ./build
USER nobody
ENTRYPOINT ["java", "-cp", "build", "com.acme.App"]
