# Seed 001's agent example (001-agent.mjs) as a curl command: the same URL,
# headers and body. Prints the response body, then the HTTP status on a line
# of its own.
curl -sS -X POST "https://app.hugo.ai/api/agent/trigger/" \
  -H "Content-Type: application/json" \
  -H "Authorization: Bearer YOUR_TOKEN" \
  -d '{"session_id": "SESSION_ID", "instruction": "Help the user with their refund request"}' \
  -w '\n%{http_code}\n'
