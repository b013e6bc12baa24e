FROM golang:1.19 AS build
ENV GO111MODULE=off CGO_ENABLED=0
WORKDIR /go/src/github.com/acme/wordcount
COPY . .
RUN go get -d -v ./... && go install -trimpath -ldflags="-s -w" -v ./...

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /go/bin/wordcount /usr/local/bin/wordcount
USER nonroot:nonroot
CMD ["wordcount"]
