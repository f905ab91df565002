from datetime import UTC, datetime

from beanie import Document
from pydantic import BaseModel, Field


class Message(BaseModel):
    role: str
    content: str
    provider: str | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Conversation(Document):
    title: str = "New chat"
    messages: list[Message] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)

    class Settings:
        name = "conversations"
