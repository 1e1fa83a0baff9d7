// Package agent is the AI agent: its personas, the knowledge base it
// answers from, and (as it lands) the answering itself.
package agent
