FROM golang:1.19 AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY *.go ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /usr/local/bin/site .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /src
COPY templates ./templates
COPY static ./static
COPY --from=build /usr/local/bin/site /usr/local/bin/site
ENV GOTRACEBACK=single
USER nonroot:nonroot
EXPOSE 8080
CMD ["site"]
