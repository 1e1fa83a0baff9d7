// A user's TypeScript against the installed @parley/client, type-checked
// with tsc --strict by TestTypeScriptSDKScenario (never run). The last lines
// expect type errors (ts-expect-error directives), so that the check also
// fails when the package's types are too loose (e.g. `any`).
import {
  Channel,
  Code,
  ConnectError,
  createParleyClient,
  fieldViolations,
  variables,
  VariablesError,
  type ParleyClient,
  type SessionEvent,
  type Subscription,
} from "@parley/client/node";
import { createParleyClient as createWebClient, type ParleyWebClientOptions } from "@parley/client/web";
import { WorkflowService, ConditionOperator, type TriggerWorkflowResponse, type JsonObject } from "@parley/client";

const parley: ParleyClient = createParleyClient({ baseUrl: "http://localhost:8080", token: "token", httpVersion: "1.1" });
const webOptions: ParleyWebClientOptions = { baseUrl: "https://parley.example.com", protocol: "grpc-web" };
const widget: ParleyClient = createWebClient(webOptions);

export async function start(workflowId: string): Promise<string> {
  const { session } = await widget.sessions.createSession({ channel: Channel.API });
  const vars: JsonObject = variables({ plan: "pro", order_id: 12345, vip: true, big: 9007199254740992n });
  const res: TriggerWorkflowResponse = await parley.workflows.triggerWorkflow({
    workflowId,
    sessionId: session?.id ?? "",
    variables: vars,
  });
  return res.runId;
}

export async function follow(sessionId: string, signal: AbortSignal): Promise<bigint> {
  const sub: Subscription = parley.subscribe(sessionId, { afterSequence: 0n, signal, onDelta: (d) => void d.text.length });
  try {
    for await (const event of sub) {
      const e: SessionEvent = event;
      if (e.payload.case === "message") {
        const text: string = e.payload.value.text;
        void text;
      }
    }
  } catch (err) {
    const connectErr = ConnectError.from(err);
    if (connectErr.code === Code.InvalidArgument) {
      const fields: Record<string, string> = fieldViolations(connectErr);
      void fields["session_id"];
    }
    if (err instanceof VariablesError) {
      const key: string = err.key;
      void key;
    }
  }
  return sub.lastSequence;
}

export const services = [WorkflowService.typeName, ConditionOperator.EQUALS] as const;

// Mistakes the types catch.
// @ts-expect-error variables hold strings, numbers, booleans and bigints only
variables({ meta: { a: 1 } });
// @ts-expect-error baseUrl is required
createParleyClient({ token: "token" });
// @ts-expect-error the Node client speaks Connect or gRPC, not gRPC-Web
createParleyClient({ baseUrl: "http://localhost:8080", protocol: "grpc-web" });
// @ts-expect-error no such RPC
void parley.workflows.triggerWorkflowz;
// @ts-expect-error session ids are strings
void parley.sessions.getSession({ sessionId: 42 });
// @ts-expect-error sequences are bigints, not strings (and not any)
export const notAny: string = parley.subscribe("session_x").lastSequence;
// @ts-expect-error fieldViolations returns a record, not any
export const notAnyEither: number = fieldViolations(undefined);
