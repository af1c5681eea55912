# Amends as a container: `amends run` (HTTP mode with Slack tokens, the sandbox without), as a non-root
# user, the database schema upgraded at start. Dependencies come from requirements.lock (hashes checked).
#   docker build -t amends .                                   # on the official Python image
#   docker build --build-arg BASE_IMAGE=my/python:3.11 -t amends .   # on your own (Debian-like, python3 + venv)
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/amends
COPY requirements.lock /tmp/requirements.lock
RUN /opt/amends/bin/pip install --require-hashes --no-deps -r /tmp/requirements.lock
WORKDIR /app
COPY pyproject.toml README.md amends.example.yaml ./
COPY bot ./bot
COPY playbooks ./playbooks
COPY message_templates ./message_templates
# Editable: the shipped playbooks and templates are found beside the code (bot/paths.py), in /app.
RUN /opt/amends/bin/pip install --no-deps --no-build-isolation -e . \
    && find /opt/amends /app -name __pycache__ -prune -exec rm -rf {} + \
    && /opt/amends/bin/python -m compileall -q /app/bot

FROM ${BASE_IMAGE}
RUN (command -v useradd >/dev/null && useradd --system --uid 10001 --home-dir /data --create-home amends) \
    || (adduser -S -u 10001 -h /data amends)
COPY --from=build /opt/amends /opt/amends
COPY --from=build /app /app
ENV PATH=/opt/amends/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 MPLCONFIGDIR=/tmp/matplotlib
USER amends
# amends.yaml is read from here (mount yours); the sandbox keeps its files here too.
WORKDIR /data
EXPOSE 3000
ENTRYPOINT ["amends", "run"]
CMD ["--host", "0.0.0.0", "--port", "3000"]
