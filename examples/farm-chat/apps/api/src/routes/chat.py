from beanie import PydanticObjectId
from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect
from pydantic import BaseModel

from ..ai.providers import AIStarting, stream_chat
from ..models.conversation import Conversation, Message

router = APIRouter(prefix="/chat", tags=["chat"])


class ChatRequest(BaseModel):
    conversation_id: PydanticObjectId | None = None
    message: str


@router.post("")
async def chat(request: ChatRequest) -> dict[str, str]:
    conversation = await _load(request.conversation_id)
    conversation.messages.append(Message(role="user", content=request.message))
    provider, reply = "", []
    async for provider, chunk in stream_chat([m.model_dump(include={"role", "content"}) for m in conversation.messages]):
        reply.append(chunk)
    conversation.messages.append(Message(role="assistant", content="".join(reply), provider=provider))
    await conversation.save()
    return {"conversation_id": str(conversation.id), "reply": "".join(reply), "provider": provider}


@router.websocket("/ws")
async def chat_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    history: list[dict[str, str]] = []
    try:
        while True:
            history.append({"role": "user", "content": await websocket.receive_text()})
            reply = []
            async for provider, chunk in stream_chat(history):
                reply.append(chunk)
                await websocket.send_json({"provider": provider, "delta": chunk})
            history.append({"role": "assistant", "content": "".join(reply)})
            await websocket.send_json({"done": True})
    except AIStarting as exc:
        await websocket.send_json({"error": str(exc), "retry_after": exc.retry_after})
        await websocket.close(code=1013)  # try again later (RFC 6455, 7.4.1)
    except WebSocketDisconnect:
        return


async def _load(conversation_id: PydanticObjectId | None) -> Conversation:
    if conversation_id is None:
        return Conversation()
    conversation = await Conversation.get(conversation_id)
    if conversation is None:
        raise HTTPException(status_code=404, detail="conversation not found")
    return conversation
