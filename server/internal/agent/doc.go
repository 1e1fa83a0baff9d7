// Package agent is the AI agent: its personas, the knowledge base it
// answers from, the providers that write its answers (Builtin retrieval,
// or an OpenAI-compatible model through LLM), and the Responder that
// answers visitors, streams the answers and hands conversations off to
// people.
package agent
