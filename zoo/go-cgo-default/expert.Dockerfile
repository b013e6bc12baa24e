FROM golang:1.19 AS build
WORKDIR /go/src/app
COPY go.mod ./
RUN go mod download
COPY . .
RUN go vet -v && go build -trimpath -ldflags="-s -w" -o app .

FROM debian:bookworm-slim
RUN groupadd --system app && useradd --system --gid app --home-dir /nonexistent --no-create-home app
WORKDIR /go/src/app
COPY --from=build /go/src/app/app ./app
USER app
EXPOSE 8080
CMD ["/go/src/app/app"]
