"""The container vocabulary every target shares: images, ports, health probes.

Pure data and text (no Pulumi import), so the command line's Compose renderer
and the components (ECS, Docker host, Railway) read the same facts: move a
pinned image or a port here and every target moves.
"""

from __future__ import annotations

from dataclasses import dataclass

# Third-party images every target runs, pinned once so all targets move together.
OLLAMA_IMAGE = "ollama/ollama:0.12.9"
MONGO_IMAGE = "mongo:8.0"
NODE_IMAGE = "node:22-alpine"
# Runs as a non-root user and listens on 8080 (the stock nginx image needs root for port 80).
WEB_SERVER_IMAGE = "nginxinc/nginx-unprivileged:1.27-alpine"

# Ollama's API port (https://github.com/ollama/ollama/blob/main/docs/faq.md) and MongoDB's default.
OLLAMA_PORT = 11434
MONGO_PORT = 27017
WEB_CONTAINER_PORT = 8080
# The root user the self-hosted MongoDB containers are initialised with.
MONGO_USER = "farm"
RESTART_POLICY = "unless-stopped"
NGINX_CONF_PATH = "/etc/nginx/conf.d/default.conf"


def health_check_command(port: int, health_path: str) -> list[str]:
    """The API's probe, run by its Dockerfile, its ECS container definition and Docker.

    Python's standard library only: slim images (and most app images) have no
    curl or wget. Exit status 0 only for an HTTP 2xx answer within 4 seconds.
    """
    probe = (
        "import sys, urllib.request; "
        f"r = urllib.request.urlopen('http://127.0.0.1:{port}{health_path}', timeout=4); "
        "sys.exit(0 if 200 <= r.status < 300 else 1)"
    )
    return ["python", "-c", probe]


@dataclass(frozen=True)
class HealthCheck:
    test: tuple[str, ...]  # exec form, without the leading "CMD"
    interval: str = "15s"
    timeout: str = "5s"
    retries: int = 5
    start_period: str = "20s"

    def compose(self) -> dict[str, object]:
        return {
            "test": ["CMD", *self.test],
            "interval": self.interval,
            "timeout": self.timeout,
            "retries": self.retries,
            "start_period": self.start_period,
        }


def api_health_check(port: int, health_path: str) -> HealthCheck:
    return HealthCheck(tuple(health_check_command(port, health_path)))


MONGO_HEALTH = HealthCheck(("mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"))
# The Ollama image has neither curl nor wget; its CLI talks to the local server.
OLLAMA_HEALTH = HealthCheck(("ollama", "list"))
WEB_HEALTH = HealthCheck(("wget", "-q", "--spider", f"http://127.0.0.1:{WEB_CONTAINER_PORT}/"), start_period="5s")


def pull_models_command(models: tuple[str, ...] | list[str]) -> str:
    return " && ".join(f"ollama pull {m}" for m in models)
