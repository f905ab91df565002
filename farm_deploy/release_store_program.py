"""The release store stack (release_store/): the bucket and repository of every release.

Exports `releaseBucket` and `releaseRepository`, the values of `farm:releaseBucket`
and `farm:releaseRepository` in the stages' stack files.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.release_store import ReleaseStore, ReleaseStoreArgs


def main() -> ReleaseStore:
    account = aws.get_caller_identity_output().account_id
    store = ReleaseStore(
        "farm-releases",
        ReleaseStoreArgs(account_id=account, tags={"managed-by": "pulumi", "farm:project": pulumi.get_project()}),
    )
    pulumi.export("releaseBucket", store.bucket_name)
    pulumi.export("releaseRepository", store.repository_url)
    return store
