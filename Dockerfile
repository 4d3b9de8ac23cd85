# Image of the atlasgraph binary, for docker-compose.yml. Not built in CI
# (the CI machines have no Docker engine); keep it in step with the Makefile.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /atlasgraph ./cmd/atlasgraph

FROM alpine:3.20
RUN adduser -D -u 10001 atlasgraph
COPY --from=build /atlasgraph /usr/local/bin/atlasgraph
USER atlasgraph
ENTRYPOINT ["atlasgraph"]
