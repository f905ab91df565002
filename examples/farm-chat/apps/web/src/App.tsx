import { useEffect, useRef, useState } from 'react';
import { openChatSocket, uploadAttachment } from './api';

type Line = { role: 'user' | 'assistant'; text: string; provider?: string };

export default function App() {
  const [lines, setLines] = useState<Line[]>([]);
  const [draft, setDraft] = useState('');
  const socket = useRef<WebSocket | null>(null);

  useEffect(() => {
    const ws = openChatSocket();
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.done) return;
      setLines((current) => {
        const last = current[current.length - 1];
        if (last?.role === 'assistant') {
          return [...current.slice(0, -1), { ...last, text: last.text + data.delta, provider: data.provider }];
        }
        return [...current, { role: 'assistant', text: data.delta, provider: data.provider }];
      });
    };
    socket.current = ws;
    return () => ws.close();
  }, []);

  const send = () => {
    if (!draft.trim() || socket.current?.readyState !== WebSocket.OPEN) return;
    socket.current.send(draft);
    setLines((current) => [...current, { role: 'user', text: draft }]);
    setDraft('');
  };

  return (
    <main>
      <h1>farm-chat</h1>
      <ul>
        {lines.map((line, i) => (
          <li key={i} className={line.role}>
            {line.text} {line.provider && <small>({line.provider})</small>}
          </li>
        ))}
      </ul>
      <input value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && send()} />
      <button onClick={send}>Send</button>
      <input type="file" onChange={(e) => e.target.files?.[0] && uploadAttachment(e.target.files[0])} />
    </main>
  );
}
