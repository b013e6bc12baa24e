FROM golang:1.19 AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /usr/local/bin/todo .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /src
COPY --from=build /usr/local/bin/todo /usr/local/bin/todo
USER nonroot:nonroot
ENTRYPOINT ["todo"]
