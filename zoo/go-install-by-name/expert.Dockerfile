FROM golang:1.19 AS build
WORKDIR /go/src/greeter
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go install -trimpath -ldflags="-s -w" -v ./...

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /go/bin/greeter /usr/local/bin/greeter
USER nonroot:nonroot
EXPOSE 8080
CMD ["greeter", "--port", "8080"]
