// Seed 000 ("How to start Workflows programmatically"), "Pass variables with
// the REST API": the seed shows this options object alone. To run it, it is
// completed minimally with the url line before it and the try/fetch block
// after it, both copied from the seed's first Node.js example. Every line
// below this header is verbatim from the seed.

const url = "https://app.hugo.ai/api/scenario/~c2NlbmFyaW9fYzNkYzc0ZjEtYTE4MS00OWFmLTg1ODktMTc0ODhiMjM4Y2Rj/trigger/";

const options = {
method: "POST",
headers: {
"Content-Type": "application/json",
Authorization: "Bearer YOUR_WORKFLOW_API_TOKEN"
},
body: JSON.stringify({
session_id: "SESSION_ID",
variables: {
order_id: "12345",
plan: "pro",
renewal_date: "2026-06-01"
}
})
};

try {
const response = await fetch(url, options);
const data = await response.json();
console.log(data);
} catch (error) {
console.error(error);
}
