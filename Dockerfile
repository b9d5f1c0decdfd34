# syntax=docker/dockerfile:1
# Frontdesk container image: one static-ish binary on a slim Debian, running as a non-root user, with
# all state in the /data volume.
#   docker build -t frontdesk .
#   docker run -d -p 8080:8080 -v frontdesk-data:/data --name frontdesk frontdesk
# then open http://localhost:8080/setup

# ---- build -----------------------------------------------------------------------------------------
# Fully qualified image names: podman (and Docker with short names disabled) refuses short ones.
FROM docker.io/library/rust:1-slim-bookworm AS build
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
    cargo build --release --locked \
    && install -m 0755 target/release/frontdesk /usr/local/bin/frontdesk

# ---- run -------------------------------------------------------------------------------------------
FROM docker.io/library/debian:bookworm-slim
# A fixed numeric id, so a bind-mounted /data can be chowned to it on the host (chown 10001:10001).
RUN groupadd --system --gid 10001 frontdesk \
    && useradd --system --uid 10001 --gid frontdesk --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin frontdesk \
    && install -d -m 0750 -o frontdesk -g frontdesk /data
COPY --from=build /usr/local/bin/frontdesk /usr/local/bin/frontdesk

# Listen on every interface inside the container; publish the port with -p. Set FRONTDESK_PUBLIC_URL
# (and FRONTDESK_TRUSTED_PROXIES=<the proxy's address as the container sees it> behind a reverse proxy)
# with -e.
ENV FRONTDESK_ADDR=0.0.0.0:8080 \
    FRONTDESK_DATA=/data
VOLUME ["/data"]
EXPOSE 8080
USER 10001:10001
WORKDIR /data
# The binary asks its own /readyz (the database takes writes, the disk has room) at FRONTDESK_ADDR:
# no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/frontdesk", "health"]
# The server shuts down cleanly on SIGTERM (docker stop); as PID 1 it must handle it itself.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/frontdesk"]
CMD ["serve"]
