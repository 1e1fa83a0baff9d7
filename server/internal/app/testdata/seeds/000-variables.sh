# Seed 000's "Pass variables with the REST API" example (000-variables.mjs)
# as a curl command: the same URL, headers and body. Prints the response
# body, then the HTTP status on a line of its own.
curl -sS -X POST "https://app.hugo.ai/api/scenario/~c2NlbmFyaW9fYzNkYzc0ZjEtYTE4MS00OWFmLTg1ODktMTc0ODhiMjM4Y2Rj/trigger/" \
  -H "Content-Type: application/json" \
  -H "Authorization: Bearer YOUR_WORKFLOW_API_TOKEN" \
  -d '{"session_id": "SESSION_ID", "variables": {"order_id": "12345", "plan": "pro", "renewal_date": "2026-06-01"}}' \
  -w '\n%{http_code}\n'
