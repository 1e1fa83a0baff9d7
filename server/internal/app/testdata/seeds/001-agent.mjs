// Seed 001 ("Trigger Hugo AI Agent or workflows programmatically"),
// "Triggering AI Agent", copied verbatim below this header. It prints nothing.

fetch("https://app.hugo.ai/api/agent/trigger/", {
method: "POST",
headers: {
"Content-Type": "application/json",
"Authorization": "Bearer YOUR_TOKEN"
},
body: JSON.stringify({
session_id: "SESSION_ID",
instruction: "Help the user with their refund request"
})
});
