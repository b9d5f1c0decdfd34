# syntax=docker/dockerfile:1
# Frontdesk container image: one static (musl) binary in an otherwise empty image, running as a non-root
# user, with all state in the /data volume.
#   docker build -t frontdesk .
#   docker run -d -p 8080:8080 -v frontdesk-data:/data --name frontdesk frontdesk
# then open http://localhost:8080/setup
#
# The run stage below is built and run by tests/release_test.sh with podman (the same text, with this
# build stage replaced by the static binary scripts/release.sh makes, as there is no Docker Hub on the
# test machines). Keep the line "# ---- run" that marks where the run stage starts.

# ---- build -----------------------------------------------------------------------------------------
# Fully qualified image names: podman (and Docker with short names disabled) refuses short ones.
FROM docker.io/library/rust:1-slim-bookworm AS build
# musl-tools: the static C library SQLite and the binary link against, for this machine's architecture
# (x86_64 or aarch64: build on a Raspberry Pi, or with buildx --platform linux/arm64).
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add "$(uname -m)-unknown-linux-musl"
WORKDIR /src
COPY . .
# `frontdesk version` and the build_info metric name the commit: there is no .git in the build
# context, so pass it: docker build --build-arg FRONTDESK_BUILD_COMMIT=$(git rev-parse --short=12 HEAD) .
ARG FRONTDESK_BUILD_COMMIT=unknown
ENV FRONTDESK_BUILD_COMMIT=$FRONTDESK_BUILD_COMMIT
# The cache mounts keep the crate registry and compiled dependencies between builds (BuildKit, the
# default builder since Docker 23); target/ lives in the cache, so copy the binary out of it.
# --locked: build exactly the dependency versions in the committed Cargo.lock.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(uname -m)-unknown-linux-musl" \
    && TARGET_CC=musl-gcc cargo build --release --locked --target "$target" --bin frontdesk \
    && install -m 0755 "target/$target/release/frontdesk" /usr/local/bin/frontdesk \
    && install -d -m 0750 /data-skeleton

# ---- run -------------------------------------------------------------------------------------------
# Nothing but the binary, the CA certificates (TLS to a mail server, IMAP and webhooks) and an empty
# /data: no shell, no package manager, nothing to patch but Frontdesk itself.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/local/bin/frontdesk /usr/local/bin/frontdesk
# A fixed numeric owner (there is no /etc/passwd), so a bind-mounted /data can be chowned to it on the
# host (chown 10001:10001 DIR); a named volume starts as this empty directory, owned by it.
COPY --from=build --chown=10001:10001 /data-skeleton /data

# Listen on every interface inside the container; publish the port with -p. Set FRONTDESK_PUBLIC_URL
# (and FRONTDESK_TRUSTED_PROXIES=<the proxy's address as the container sees it> behind a reverse proxy)
# with -e.
ENV FRONTDESK_ADDR=0.0.0.0:8080 \
    FRONTDESK_DATA=/data \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
VOLUME ["/data"]
EXPOSE 8080
USER 10001:10001
WORKDIR /data
# The binary asks its own /readyz (the database takes writes, the disk has room) at FRONTDESK_ADDR:
# no curl (nor a shell) in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/frontdesk", "health"]
# The server shuts down cleanly on SIGTERM (docker stop); as PID 1 it must handle it itself.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/frontdesk"]
CMD ["serve"]
