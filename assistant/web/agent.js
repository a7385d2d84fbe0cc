// The agent console: log in, follow the queue live, open a handoff, accept it, talk to the shopper (typed lines
// are spoken in the assistant's voice), hand back or close. Protocol: assistant/agents/console.py.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("agentToken"), agent: sessionStorage.getItem("agentName"), ws: null, open: null };

function show(element, visible) { element.hidden = !visible; }

function fail(where, message) {
  const box = $(where);
  box.textContent = message;
  show(box, Boolean(message));
}

async function logIn(event) {
  event.preventDefault();
  const agent = $("login-agent").value.trim();
  const secret = $("login-secret").value;
  const body = agent ? { agent, password: secret } : { token: secret };
  let answer = await fetch("/agent/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (answer.status === 401 && agent) {  // a name and the agent token
    answer = await fetch("/agent/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ agent, token: secret }) });
  }
  if (!answer.ok) {
    const detail = await answer.json().catch(() => ({}));
    fail("login-error", typeof detail.detail === "string" ? detail.detail : "Could not log in.");
    return;
  }
  const session = await answer.json();
  state.token = session.token;
  state.agent = session.agent;
  sessionStorage.setItem("agentToken", state.token);
  sessionStorage.setItem("agentName", state.agent);
  start();
}

function start() {
  show($("login"), false);
  show($("console"), true);
  $("who").textContent = `Logged in as ${state.agent}`;
  connect();
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/agent/ws`);
  state.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: state.token }));
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = (event) => {
    $("link").textContent = "disconnected";
    if (event.code === 1008) {  // the session expired or was refused: log in again
      sessionStorage.removeItem("agentToken");
      location.reload();
      return;
    }
    setTimeout(connect, 2000);
  };
}

function send(message) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
}

function receive(message) {
  if (message.type === "ready") $("link").textContent = "live";
  else if (message.type === "queue") showQueue(message.handoffs);
  else if (message.type === "handoff") showHandoff(message.record);
  else if (message.type === "line") addLine(message.line);
  else if (message.type === "error") fail("detail-error", message.message);
}

function showQueue(handoffs) {
  const list = $("queue");
  list.replaceChildren();
  for (const handoff of handoffs) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.id = handoff.id;
    const who = handoff.status === "accepted" ? ` · with ${handoff.agent}` : "";
    button.textContent = `${handoff.channel} · ${handoff.language} · ${handoff.reason}${who} — ${handoff.last_said || handoff.summary}`;
    if (state.open && state.open.id === handoff.id) button.setAttribute("aria-current", "true");
    button.onclick = () => send({ type: "open", id: handoff.id });
    item.append(button);
    list.append(item);
  }
  show($("queue-empty"), handoffs.length === 0);
}

function showHandoff(record) {
  state.open = record;
  fail("detail-error", "");
  show($("detail"), true);
  $("detail-title").textContent = `${record.channel} conversation (${record.language})`;
  $("detail-meta").textContent = `${record.reason} · ${record.status}${record.agent ? " · " + record.agent : ""}`;
  $("detail-summary").textContent = record.summary;
  const cart = record.cart.map((line) => `${line.quantity} × ${line.product_id}`).join(", ");
  $("detail-cart").textContent = cart ? `Cart: ${cart}` : "Cart is empty";
  $("transcript").replaceChildren();
  record.transcript.forEach(addLine);
  const mine = record.status === "accepted" && record.agent === state.agent;
  $("accept").disabled = record.status !== "waiting";
  for (const id of ["hand-back", "close", "say-text", "say-button"]) $(id).disabled = !mine;
}

function addLine(line) {
  const item = document.createElement("li");
  item.className = line.role + (line.interrupted ? " cut" : "");
  const who = { user: "Shopper", assistant: "Assistant", agent: "You", tool: "Facts given to the model" }[line.role] || line.role;
  item.textContent = `${who}: ${line.text}`;
  $("transcript").append(item);
  item.scrollIntoView({ block: "end" });
}

function act(type) {
  if (state.open) send({ type, id: state.open.id });
}

$("login").addEventListener("submit", logIn);
$("accept").onclick = () => act("accept");
$("hand-back").onclick = () => { act("hand_back"); show($("detail"), false); state.open = null; };
$("close").onclick = () => { act("close"); show($("detail"), false); state.open = null; };
$("say").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("say-text").value.trim();
  if (text && state.open) send({ type: "say", id: state.open.id, text });
  $("say-text").value = "";
});

if (state.token) start();
