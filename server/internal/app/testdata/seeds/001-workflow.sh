# Seed 001's workflow REST example (001-workflow.mjs) as a curl command: the
# same URL, headers and body. Prints the response body, then the HTTP status
# on a line of its own.
curl -sS -X POST "https://app.hugo.ai/api/scenario/{workflow_id}/trigger/" \
  -H "Content-Type: application/json" \
  -H "Authorization: Bearer YOUR_TOKEN" \
  -d '{"session_id": "SESSION_ID"}' \
  -w '\n%{http_code}\n'
