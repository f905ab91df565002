"""ServerlessApi: the FastAPI app on AWS Lambda behind a function URL.

The app runs unchanged through the Mangum ASGI adapter (a handler generated
into the package, see `lambda_package.py`). A function URL rather than an HTTP
API: one resource, no per-request API Gateway charge, and CloudFront routes
`/api/*` to it as a plain HTTPS origin. Secrets never enter the function's
configuration: it gets `<NAME>_SECRET_ARN` variables and reads the values from
Secrets Manager at cold start, with a role allowed to read exactly those ARNs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags
from .iam import assume_role_policy, policy_document
from .lambda_package import (
    HANDLER,
    HANDLER_MODULE,
    PackageSpec,
    build,
    build_dir,
    is_built,
    may_build,
    package_spec,
)

URL_AUTH_TYPES = ("NONE", "AWS_IAM")
SECRET_ARN_SUFFIX = "_SECRET_ARN"
# Set by Lambda itself; the API rejects a function that sets them.
RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


def python_runtimes() -> list[str]:
    """Python runtimes the installed provider knows, e.g. `python3.13`."""
    return sorted(
        v.value if hasattr(v, "value") else str(v)
        for k, v in vars(aws.lambda_.Runtime).items()
        if k.startswith("PYTHON3")
    )


@dataclass
class ServerlessApiArgs:
    app_dir: str  # absolute path of the API's folder (holds requirements.txt or pyproject.toml)
    entrypoint: str = "main:app"  # "module:attr", importable from app_dir
    python_version: str = "3.13"
    architecture: str = "arm64"  # "arm64" | "x86_64"
    memory: int = 1024  # MiB
    timeout: int = 30  # seconds
    reserved_concurrency: int = 10
    environment: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # env var the app reads -> Secrets Manager ARN holding its value
    secret_arns: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    log_retention_days: int = 30
    url_auth: str = "NONE"  # "NONE" | "AWS_IAM"
    cors_allow_origins: list[str] = field(default_factory=list)  # empty: no CORS headers (same origin via CloudFront)
    realtime: bool = False  # the app uses WebSockets: refused
    build_dir: str | None = None  # cache folder for built packages; default ./.farm-deploy/build/lambda
    tags: dict[str, str] = field(default_factory=dict)


class ServerlessApi(pulumi.ComponentResource):
    url: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    origin_domain: pulumi.Output[str]

    def __init__(self, name: str, args: ServerlessApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:lambda:ServerlessApi", name, None, opts)
        self._name = name
        self._args = args
        self._tags = merge_tags(args.tags, name)
        self.warnings: list[str] = []

        runtime = self._validate()
        self.package = package_spec(args.app_dir, args.entrypoint, args.python_version, args.architecture)
        self.package_hash = self.package.input_hash

        log_group = self._create_log_group()
        role = self._create_role(log_group)
        self.function = self._create_function(runtime, role, log_group)
        function_url = self._create_url(self.function)

        self.url = function_url.function_url
        self.function_name = self.function.name
        self.function_arn = self.function.arn
        self.origin_domain = self.url.apply(lambda u: urlparse(u).hostname or "")
        self.log_group_name = log_group.name
        self.register_outputs(
            {
                "url": self.url,
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "origin_domain": self.origin_domain,
                "package_hash": self.package_hash,
            }
        )

    # ------------------------------------------------------------------ checks

    def _validate(self) -> str:
        a = self._args
        if a.realtime:
            raise UserError(
                "the API uses WebSockets, which Lambda behind a function URL cannot serve",
                key="realtime",
                value=True,
                hint="serve the API from a container (ECS), or move real-time traffic to a managed service",
            )
        runtime = f"python{a.python_version}"
        runtimes = python_runtimes()
        if runtime not in runtimes:
            raise UserError(
                "no Lambda runtime for this Python version",
                key="api.python_version",
                value=a.python_version,
                valid=[r.removeprefix("python") for r in runtimes],
            )
        if a.url_auth not in URL_AUTH_TYPES:
            raise UserError(
                "unknown function URL auth type", key="url_auth", value=a.url_auth, valid=list(URL_AUTH_TYPES)
            )
        if not 128 <= a.memory <= 10240:
            raise UserError("Lambda memory must be 128 to 10240 MiB", key="api.lambda_memory", value=a.memory)
        if not 1 <= a.timeout <= 900:
            raise UserError("Lambda timeout must be 1 to 900 seconds", key="api.lambda_timeout", value=a.timeout)
        if a.reserved_concurrency < 0:
            raise UserError(
                "reserved concurrency cannot be negative", key="api.reserved_concurrency", value=a.reserved_concurrency
            )
        if a.reserved_concurrency == 0:
            # Lambda accepts 0 and then throttles every invocation: the API
            # would deploy and answer nothing but 429.
            raise UserError(
                "reserved concurrency 0 stops the function from ever running",
                key="api.reserved_concurrency",
                value=0,
                hint="reserve at least 1 concurrent execution",
            )
        names = set(a.environment) | {f"{k}{SECRET_ARN_SUFFIX}" for k in a.secret_arns}
        reserved = sorted(names & RESERVED_ENV)
        if reserved:
            raise UserError("environment variables reserved by Lambda", key="env", value=reserved)
        clash = sorted(set(a.environment) & (set(a.secret_arns) | {f"{k}{SECRET_ARN_SUFFIX}" for k in a.secret_arns}))
        if clash:
            raise UserError(
                "a variable is given both as a plain value and as a secret",
                key="env",
                value=clash,
                hint="a secret must only come from Secrets Manager",
            )
        return runtime

    # ------------------------------------------------------------------ children

    def _create_log_group(self) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            retention_in_days=self._args.log_retention_days,
            tags=self._tags,
            opts=child_opts(self),
        )

    def _create_role(self, log_group: aws.cloudwatch.LogGroup) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-role",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            tags=self._tags,
            opts=child_opts(self),
        )
        # Scoped to this function's own log group, unlike the managed
        # AWSLambdaBasicExecutionRole which allows writing to any log group.
        aws.iam.RolePolicy(
            f"{self._name}-logging",
            role=role.id,
            policy=log_group.arn.apply(
                lambda arn: policy_document(
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{arn}:*",
                    }
                )
            ),
            opts=child_opts(self),
        )
        if self._args.secret_arns:
            arns = [self._args.secret_arns[k] for k in sorted(self._args.secret_arns)]
            aws.iam.RolePolicy(
                f"{self._name}-secrets",
                role=role.id,
                policy=pulumi.Output.all(*arns).apply(
                    lambda resolved: policy_document(
                        {
                            "Effect": "Allow",
                            "Action": "secretsmanager:GetSecretValue",
                            "Resource": list(resolved),
                        }
                    )
                ),
                opts=child_opts(self),
            )
        return role

    def _code(self, spec: PackageSpec) -> pulumi.Archive:
        root = Path(self._args.build_dir) if self._args.build_dir else Path.cwd() / ".farm-deploy" / "build" / "lambda"
        if may_build():
            return pulumi.FileArchive(str(build(spec, root)))
        if pulumi.runtime.is_dry_run() and not is_built(spec, root):
            # The engine hashes archives during preview; a folder that does not
            # exist yet would fail it. The real package is built by `pulumi up`.
            self.warnings.append(
                f"{self._name}: the Lambda package {spec.input_hash[:12]} is not built yet; "
                "`pulumi up` builds it (preview shows a code change)"
            )
            pulumi.log.warn(self.warnings[-1], resource=self)
            return pulumi.AssetArchive(
                {f"{HANDLER_MODULE}.py": pulumi.StringAsset(f"# placeholder for package {spec.input_hash}\n")}
            )
        return pulumi.FileArchive(str(build_dir(spec, root)))

    def _create_function(
        self, runtime: str, role: aws.iam.Role, log_group: aws.cloudwatch.LogGroup
    ) -> aws.lambda_.Function:
        a = self._args
        variables: dict[str, pulumi.Input[str]] = dict(a.environment)
        for key in sorted(a.secret_arns):
            variables[f"{key}{SECRET_ARN_SUFFIX}"] = a.secret_arns[key]
        return aws.lambda_.Function(
            f"{self._name}-fn",
            runtime=runtime,
            architectures=[a.architecture],
            handler=HANDLER,
            code=self._code(self.package),
            role=role.arn,
            memory_size=a.memory,
            timeout=a.timeout,
            reserved_concurrent_executions=a.reserved_concurrency,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables) if variables else None,
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=log_group.name,
                application_log_level="INFO",
                system_log_level="WARN",
            ),
            tags=self._tags,
            # The log group must exist first, or Lambda would create its own
            # without retention.
            opts=child_opts(self, depends_on=[log_group]),
        )

    def _create_url(self, function: aws.lambda_.Function) -> aws.lambda_.FunctionUrl:
        a = self._args
        cors = None
        if a.cors_allow_origins:
            cors = aws.lambda_.FunctionUrlCorsArgs(
                allow_origins=list(a.cors_allow_origins),
                allow_methods=["*"],
                allow_headers=["content-type", "authorization"],
                max_age=3600,
            )
        url = aws.lambda_.FunctionUrl(
            f"{self._name}-url",
            function_name=function.name,
            authorization_type=a.url_auth,
            invoke_mode="BUFFERED",
            cors=cors,
            opts=child_opts(self),
        )
        if a.url_auth == "NONE":
            # Since October 2025 a public function URL needs both grants.
            aws.lambda_.Permission(
                f"{self._name}-url-public",
                function=function.name,
                action="lambda:InvokeFunctionUrl",
                principal="*",
                function_url_auth_type="NONE",
                opts=child_opts(self),
            )
            aws.lambda_.Permission(
                f"{self._name}-url-invoke",
                function=function.name,
                action="lambda:InvokeFunction",
                principal="*",
                invoked_via_function_url=True,
                opts=child_opts(self),
            )
        return url
