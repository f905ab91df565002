// The API's public URL is injected at build time; empty means same origin
// (CloudFront routes /api/* to the API).
const API_URL: string = import.meta.env.VITE_API_URL ?? '';

export type ChatReply = { conversation_id: string; reply: string; provider: string };

export async function sendMessage(message: string, conversationId?: string): Promise<ChatReply> {
  const response = await fetch(`${API_URL}/api/chat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message, conversation_id: conversationId ?? null }),
  });
  if (!response.ok) throw new Error(`chat failed: ${response.status}`);
  return response.json();
}

export async function uploadAttachment(file: File): Promise<{ id: string; size: number }> {
  const form = new FormData();
  form.append('file', file);
  const response = await fetch(`${API_URL}/api/uploads`, { method: 'POST', body: form });
  if (!response.ok) throw new Error(`upload failed: ${response.status}`);
  return response.json();
}

export function openChatSocket(): WebSocket {
  const base = API_URL || window.location.origin;
  return new WebSocket(base.replace(/^http/, 'ws') + '/api/chat/ws');
}
