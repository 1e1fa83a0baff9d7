// Seed 000 ("How to start Workflows programmatically"), "Start a workflow
// with the REST API": the Node.js example, copied verbatim below this header.
// Only session_id is sent, so the workflow's {{ tags }} render empty.

const url = "https://app.hugo.ai/api/scenario/~c2NlbmFyaW9fYzNkYzc0ZjEtYTE4MS00OWFmLTg1ODktMTc0ODhiMjM4Y2Rj/trigger/";

const options = {
method: "POST",
headers: {
"Content-Type": "application/json",
Authorization: "Bearer YOUR_WORKFLOW_API_TOKEN"
},
body: JSON.stringify({
session_id: "SESSION_ID"
})
};

try {
const response = await fetch(url, options);
const data = await response.json();
console.log(data);
} catch (error) {
console.error(error);
}
