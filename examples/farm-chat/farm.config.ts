// FARM configuration for farm-chat: the example app that farm-deploy analyzes
// and deploys by default. Everything secret comes from the environment.
import { defineConfig } from '@farm-framework/core';

export default defineConfig({
  name: 'farm-chat',
  template: 'ai-chat',
  features: ['auth', 'ai', 'realtime', 'storage'],

  // Database configuration
  database: {
    type: 'mongodb',
    url: process.env.MONGODB_URL ?? 'mongodb://localhost:27017/farm_chat',
  },

  /* AI: local Ollama while developing, OpenAI on staging (no GPU bill),
     Ollama on a GPU host in production. */
  ai: {
    providers: {
      ollama: {
        enabled: true,
        url: process.env.OLLAMA_URL ?? 'http://localhost:11434',
        models: ['llama3.1:8b', 'llama3.2:3b'],
        defaultModel: 'llama3.1:8b',
        gpu: true,
        autoPull: ['llama3.1:8b'],
      },
      openai: {
        enabled: true,
        apiKey: process.env.OPENAI_API_KEY,
        models: ['gpt-4o-mini', 'gpt-4o'],
        defaultModel: 'gpt-4o-mini',
      },
    },
    routing: {
      development: 'ollama',
      staging: 'openai',
      production: 'ollama',
    },
    features: {
      streaming: true,
      fallback: true, // fall back to OpenAI when Ollama is down
    },
  },

  development: {
    ports: { frontend: 5173, backend: 8000, ollama: 11434 },
  },

  deployment: {
    regions: ['us-east-1'],
    traffic: 'medium',
    latency: 'low',
    budget: 'startup',
    costOptimization: true,
  },
} as const);
