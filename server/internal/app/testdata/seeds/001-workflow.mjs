// Seed 001 ("Trigger Hugo AI Agent or workflows programmatically"),
// "Triggering Workflows" > "REST API", copied verbatim below this header.
// The workflow id in the URL is the seed's own placeholder. It prints nothing.

fetch("https://app.hugo.ai/api/scenario/{workflow_id}/trigger/", {
method: "POST",
headers: {
"Content-Type": "application/json",
"Authorization": "Bearer YOUR_TOKEN"
},
body: JSON.stringify({
session_id: "SESSION_ID"
})
});
