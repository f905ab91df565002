"""One Motor client per process; Beanie maps the documents onto it."""

import os

from beanie import init_beanie
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase, AsyncIOMotorGridFSBucket

from ..models.conversation import Conversation

_client: AsyncIOMotorClient | None = None


def get_database() -> AsyncIOMotorDatabase:
    assert _client is not None, "init_database() was not awaited"
    return _client[os.getenv("MONGODB_DB", "farm_chat")]


def get_bucket() -> AsyncIOMotorGridFSBucket:
    return AsyncIOMotorGridFSBucket(get_database(), bucket_name="attachments")


async def init_database() -> None:
    global _client
    _client = AsyncIOMotorClient(os.environ["MONGODB_URL"], serverSelectionTimeoutMS=5000)
    await init_beanie(database=get_database(), document_models=[Conversation])


async def close_database() -> None:
    if _client is not None:
        _client.close()


async def ping() -> bool:
    if _client is None:
        return False
    await _client.admin.command("ping")
    return True
