# One image for docker-compose.yml's loader and server (and anyone's
# `docker run`). It carries the embedded ATLAS release, so it loads and
# serves without network. Not built in CI (no Docker engine there); its
# contents are checked by compose_test.go.
#
# The build stage is pinned to the Go of go.mod; the runtime is a supported
# Alpine (3.23, security updates until November 2027) with busybox wget for
# the health check.
FROM golang:1.26-alpine3.23 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /atlasgraph ./cmd/atlasgraph

FROM alpine:3.23
RUN adduser -D -H -u 10001 atlasgraph
COPY --from=build /atlasgraph /usr/local/bin/atlasgraph
COPY loader/embedded/NOTICE /usr/share/doc/atlasgraph/ATLAS-NOTICE
COPY attack/embedded/NOTICE /usr/share/doc/atlasgraph/ATTACK-NOTICE
USER 10001
EXPOSE 8080
ENTRYPOINT ["atlasgraph"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
