# Vestibule's images: one target per process, all from one runtime stage.
#   docker build --target identity -t vestibule/identity .    (enrollment, proxy, notify, gateway)
# Migrations run from a service's image: python -m services.common.migrate <service>
#
# The base is pinned by digest (the multi-platform index of python:3.11-slim-bookworm, 3.11.16),
# the same in both stages. To move it, take the new digest from
# `docker buildx imagetools inspect python:3.11-slim-bookworm`, or let Renovate or Dependabot
# bump both FROM lines.

# Build: locked dependencies into /opt/venv, the gRPC code into gen/, everything byte-compiled.
FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The build tools (code generator, setuptools) get a virtualenv of their own, which the
# runtime stage never copies.
COPY requirements/image-build.lock requirements/runtime.lock requirements/
RUN python -m venv /opt/build-tools \
    && /opt/build-tools/bin/pip install --no-deps --require-hashes -r requirements/image-build.lock
# --without-pip: the runtime virtualenv holds the application's dependencies and nothing else.
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-deps --require-hashes \
        -r requirements/runtime.lock
# The project itself, for its metadata only (the gateway reads its version from it): a wheel
# with no packages, built with the build tools' locked setuptools.
COPY pyproject.toml /build/project/
RUN /opt/build-tools/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /build/wheels \
        /build/project \
    && pip --python /opt/venv/bin/python install --no-deps /build/wheels/vestibule-*.whl

COPY protos/ protos/
RUN mkdir gen \
    && find protos -name '*.proto' -exec /opt/build-tools/bin/python -m grpc_tools.protoc \
        -Iprotos --python_out=gen --grpc_python_out=gen {} +

COPY services/ services/
COPY gateway/ gateway/
COPY web/ web/
# The root filesystem is read-only at run time, so compile now; unchecked-hash bytecode is
# used as it is, whatever the mtimes the copy into the runtime stage leaves.
RUN python -m compileall -q -f --invalidation-mode unchecked-hash /opt/venv/lib gen services gateway \
        web

# Runtime: what the processes need and no installer; files owned by root, run as 10001.
FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS runtime
# The base ships pip and setuptools; the processes run from /opt/venv and need neither.
RUN python -m pip uninstall --yes --no-cache-dir pip setuptools wheel \
    && groupadd --system --gid 10001 vestibule \
    && useradd --system --uid 10001 --gid vestibule --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin vestibule
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app/gen:/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VESTIBULE_DATA_DIR=/tmp/vestibule
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/gen /app/gen
COPY --from=build /app/services /app/services
COPY --from=build /app/gateway /app/gateway
COPY --from=build /app/web /app/web
WORKDIR /app
USER 10001:10001
# Every process stops gracefully on SIGTERM (services.common.server, uvicorn).
STOPSIGNAL SIGTERM

# In a container a server listens on every interface, not only on loopback (the default).
FROM runtime AS identity
ENV VESTIBULE_IDENTITY_HOST=0.0.0.0
EXPOSE 50051
ENTRYPOINT ["python", "-m", "services.identity.server"]

FROM runtime AS enrollment
ENV VESTIBULE_ENROLLMENT_HOST=0.0.0.0
EXPOSE 50052
ENTRYPOINT ["python", "-m", "services.enrollment.server"]

FROM runtime AS proxy
ENV VESTIBULE_PROXY_HOST=0.0.0.0
EXPOSE 50053
ENTRYPOINT ["python", "-m", "services.proxy.server"]

FROM runtime AS notify
ENV VESTIBULE_NOTIFY_HOST=0.0.0.0
EXPOSE 50054
ENTRYPOINT ["python", "-m", "services.notify.server"]

FROM runtime AS gateway
ENV VESTIBULE_GATEWAY_HOST=0.0.0.0
EXPOSE 8443
ENTRYPOINT ["python", "-m", "gateway"]
