FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends default-jdk-headless binutils \
 && rm -rf /var/lib/apt/lists/*
# a trimmed runtime with only the modules the app uses (binutils: jlink strips native symbols with objcopy)
RUN jlink --add-modules java.base --strip-debug --no-man-pages --no-header-files \
      --compress=2 --output /opt/jre
WORKDIR /app
COPY src ./src
RUN javac -d build src/com/acme/*.java \
 && jar cfe app.jar com.acme.App -C build .

FROM debian:bookworm-slim
ENV JAVA_HOME=/opt/jre
ENV PATH="/opt/jre/bin:${PATH}"
COPY --from=build /opt/jre /opt/jre
WORKDIR /app
COPY --from=build /app/app.jar ./app.jar
USER nobody
CMD ["java", "-jar", "app.jar"]
