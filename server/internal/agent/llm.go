package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// LLM is a client of an OpenAI-compatible chat completions API: OpenAI
// itself, or a local server such as Ollama, vLLM or llama.cpp
// (POST <base URL>/chat/completions).
type LLM struct {
	endpoint string
	model    string
	apiKey   string
	timeout  time.Duration
	http     *http.Client
}

// LLMConfig configures an LLM client.
type LLMConfig struct {
	// BaseURL is the API's base, e.g. https://api.openai.com/v1 or
	// http://127.0.0.1:11434/v1 (Ollama).
	BaseURL string
	Model   string
	// APIKey is sent as a bearer token when set.
	APIKey string
	// Timeout bounds one completion, streaming included (default 30 s).
	Timeout time.Duration
}

// NewLLM checks cfg and returns a client.
func NewLLM(cfg LLMConfig) (*LLM, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("LLM base URL %q: must be an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("LLM model: must be set with the base URL, e.g. gpt-4o-mini or llama3.1")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &LLM{
		endpoint: strings.TrimSuffix(cfg.BaseURL, "/") + "/chat/completions",
		model:    cfg.Model, apiKey: cfg.APIKey, timeout: cfg.Timeout,
		http: &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true,
			MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second,
			ResponseHeaderTimeout: cfg.Timeout,
		}},
	}, nil
}

// Model is the model the client asks for.
func (l *LLM) Model() string { return l.model }

// ChatMessage is one message of a chat completion request.
type ChatMessage struct {
	Role    string `json:"role"` // system, user or assistant
	Content string `json:"content"`
}

// Tool is a function the model may call.
type Tool struct {
	Name        string
	Description string
	// Parameters is the arguments' JSON Schema (an object).
	Parameters json.RawMessage
}

// Chat is one completion request.
type Chat struct {
	Messages []ChatMessage
	// Tool, when set, is the one tool the model must call; the result is
	// its arguments.
	Tool *Tool
	// JSON asks for a JSON object as the answer (response_format).
	JSON bool
}

// StatusError is a non-2xx answer of the API.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("LLM API answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Body)
}

type chatRequest struct {
	Model          string        `json:"model"`
	Messages       []ChatMessage `json:"messages"`
	Stream         bool          `json:"stream,omitempty"`
	Tools          []toolJSON    `json:"tools,omitempty"`
	ToolChoice     any           `json:"tool_choice,omitempty"`
	ResponseFormat any           `json:"response_format,omitempty"`
	Temperature    float64       `json:"temperature"`
}

type toolJSON struct {
	Type     string       `json:"type"`
	Function functionJSON `json:"function"`
}

type functionJSON struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type chatResponse struct {
	Choices []struct {
		Message struct {
			Content   string `json:"content"`
			ToolCalls []struct {
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"message"`
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
}

func (l *LLM) request(c Chat, stream bool) chatRequest {
	r := chatRequest{Model: l.model, Messages: c.Messages, Stream: stream, Temperature: 0.2}
	if c.Tool != nil {
		r.Tools = []toolJSON{{Type: "function", Function: functionJSON{Name: c.Tool.Name, Description: c.Tool.Description, Parameters: c.Tool.Parameters}}}
		r.ToolChoice = map[string]any{"type": "function", "function": map[string]string{"name": c.Tool.Name}}
	}
	if c.JSON {
		r.ResponseFormat = map[string]string{"type": "json_object"}
	}
	return r
}

// post sends a request and returns the response when its status is 2xx.
func (l *LLM) post(ctx context.Context, body chatRequest) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.endpoint, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley/1.0")
	if body.Stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	if l.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+l.apiKey)
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		text, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(text))}
	}
	return resp, nil
}

// Complete asks for one completion and returns its text, or, for a Chat
// with a Tool, the arguments of the model's call to it (JSON).
func (l *LLM) Complete(ctx context.Context, c Chat) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := l.post(ctx, l.request(c, false))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out chatResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&out); err != nil {
		return "", fmt.Errorf("LLM API answer: %w", err)
	}
	if len(out.Choices) == 0 {
		return "", errors.New("LLM API answered no choices")
	}
	msg := out.Choices[0].Message
	if c.Tool != nil {
		for _, call := range msg.ToolCalls {
			if call.Function.Name == c.Tool.Name {
				return call.Function.Arguments, nil
			}
		}
		return "", fmt.Errorf("the model did not call %s", c.Tool.Name)
	}
	return msg.Content, nil
}

// Stream asks for a completion streamed as server-sent events, calls onText
// with each piece of text as it arrives, and returns the whole text.
func (l *LLM) Stream(ctx context.Context, c Chat, onText func(string) error) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := l.post(ctx, l.request(c, true))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var whole strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue // comments, event names, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			return whole.String(), nil
		}
		var chunk chatResponse
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			return "", fmt.Errorf("LLM API stream: %w", err)
		}
		for _, ch := range chunk.Choices {
			if piece := ch.Delta.Content; piece != "" {
				whole.WriteString(piece)
				if err := onText(piece); err != nil {
					return "", err
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("LLM API stream: %w", err)
	}
	// Some servers end the stream without [DONE]; what arrived is whole.
	return whole.String(), nil
}
