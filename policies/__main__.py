"""The Pulumi policy pack: `pulumi preview --policy-pack policies`.

Pulumi runs this file in the pack's own virtualenv (policies/requirements.txt)
with this directory as the working directory. The rules live in the `policies`
package and need only the standard library, so the repository root goes on the
path and the same code serves the pack and `farm-deploy plan`.
Never imported by tests: constructing PolicyPack starts a gRPC server and blocks.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.pack import PACK_NAME, build_policies

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=build_policies(),
)
