"""The docker host's nginx config, as the `local` stack uploads it into the web
container, against directives written out by hand (not by the renderer).

Comments and indentation may change; each directive below is behaviour:
- `listen 8080`: the nginxinc/nginx-unprivileged image runs as a non-root user
  and listens on 8080, https://hub.docker.com/r/nginxinc/nginx-unprivileged
- `resolver 127.0.0.11`: Docker's embedded DNS server on user-defined networks,
  https://docs.docker.com/engine/network/#dns-services
- a variable in `proxy_pass` makes nginx resolve `api` per request (through the
  resolver) instead of once at start, https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass
- the `map` + `Upgrade`/`Connection` headers pass WebSockets through,
  https://nginx.org/en/docs/http/websocket.html
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from farm_deploy.offline_plan import run_plan

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = [
    "map $http_upgrade $connection_upgrade {",
    "default upgrade;",
    "'' close;",
    "}",
    "server {",
    "listen 8080;",
    "server_name _;",
    "root /usr/share/nginx/html;",
    "index index.html;",
    "server_tokens off;",
    "client_max_body_size 20m;",
    'add_header X-Content-Type-Options "nosniff" always;',
    'add_header X-Frame-Options "DENY" always;',
    'add_header Referrer-Policy "strict-origin-when-cross-origin" always;',
    "resolver 127.0.0.11 valid=10s ipv6=off;",
    "set $api http://api:8000;",
    "location /api/ {",
    "proxy_pass $api;",
    "proxy_http_version 1.1;",
    "proxy_set_header Host $host;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
    "proxy_set_header Upgrade $http_upgrade;",
    "proxy_set_header Connection $connection_upgrade;",
    "proxy_read_timeout 300s;",
    "}",
    "location /assets/ {",
    'add_header Cache-Control "public, max-age=31536000, immutable" always;',
    "try_files $uri =404;",
    "}",
    "location = /index.html {",
    'add_header Cache-Control "no-cache" always;',
    "}",
    "location / {",
    "try_files $uri $uri/ /index.html;",
    "}",
    "}",
]


def directives(conf: str) -> list[str]:
    """One line per directive or brace, comments dropped, whitespace collapsed."""
    out = []
    for raw in conf.splitlines():
        line = re.sub(r"\s+", " ", raw.split("#", 1)[0]).strip()
        if line:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def uploaded() -> dict:
    plan = run_plan(ROOT, "local")
    [web] = [r for r in plan.resources if r.type == "docker:index/container:Container" and r.name.endswith("-web")]
    return web.inputs


def test_web_container_uploads_one_file_to_the_conf_d_default(uploaded: dict) -> None:
    assert [u["file"] for u in uploaded["uploads"]] == ["/etc/nginx/conf.d/default.conf"]


def test_nginx_directives_are_the_hand_written_ones(uploaded: dict) -> None:
    assert directives(uploaded["uploads"][0]["content"]) == EXPECTED


def test_published_port_matches_the_listen_port(uploaded: dict) -> None:
    # farm:dockerWebPort 8080 in Pulumi.local.yaml, onto the container's 8080.
    assert uploaded["ports"] == [{"internal": 8080.0, "external": 8080.0}]
