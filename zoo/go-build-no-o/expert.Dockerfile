FROM golang:1.19 AS build
WORKDIR /go/src/app
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o hello .

FROM scratch
WORKDIR /go/src/app
COPY --from=build /go/src/app/hello ./hello
USER 65532:65532
CMD ["./hello"]
