FROM golang:1.19 AS build
WORKDIR /go/src/github.com/acme/notes
COPY go.mod ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /bin/api ./cmd/api && \
	go build -trimpath -ldflags="-s -w" -o /bin/migrate ./cmd/migrate
RUN mkdir -p /var/lib/notes && /bin/migrate -data /var/lib/notes/notes.json

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /bin/api /bin/migrate /bin/
COPY --from=build --chown=nonroot:nonroot /var/lib/notes /var/lib/notes
USER nonroot:nonroot
VOLUME /var/lib/notes
EXPOSE 8080
ENTRYPOINT ["/bin/api"]
