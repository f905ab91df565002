"""farm-deploy's guardrails: the rules (`policies.rules`), their registry, and the
Pulumi policy pack (`__main__.py`) that runs them during `pulumi preview`/`up`.

The rules import nothing but the standard library, so the policy pack's own
virtualenv (pulumi-policy only) and the offline checker share them.
"""
