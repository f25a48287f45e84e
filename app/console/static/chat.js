// The chat panel: POST /v1/chat?stream=true and read its server-sent events from the response body
// (EventSource cannot POST). Tokens are shown as they arrive; the final `citations` event replaces
// the text with the stored answer, its numbered sources, the grounded flag and related links.
"use strict";

function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, data: data.join("\n") } : null;
}

async function* serverEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    for (let match = /\r\n\r\n|\n\n|\r\r/.exec(buffer); match; match = /\r\n\r\n|\n\n|\r\r/.exec(buffer)) {
      const parsed = parseEvent(buffer.slice(0, match.index));
      buffer = buffer.slice(match.index + match[0].length);
      if (parsed) yield parsed;
    }
    if (done) break;
  }
  const last = parseEvent(buffer);
  if (last) yield last;
}

// The answer's text with each [n] a link to source n of this exchange.
function answerNodes(text, prefix, known) {
  const nodes = [];
  let at = 0;
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    nodes.push(text.slice(at, match.index));
    const n = match[1];
    nodes.push(known.has(Number(n)) ? cm.el("a", { class: "cite", href: `#${prefix}-${n}` }, `[${n}]`) : match[0]);
    at = match.index + match[0].length;
  }
  nodes.push(text.slice(at));
  return nodes;
}

// The heading path without a top heading that merely repeats the title (as the server shows it).
function sectionLabel(c) {
  const parts = c.section ? c.section.split(" > ") : [];
  if (parts.length && parts[0].trim().toLowerCase() === String(c.title).trim().toLowerCase()) parts.shift();
  return parts.join(" > ");
}

function sourcesList(citations, prefix) {
  const { el } = cm;
  return el("ol", { class: "citations" }, citations.map((c) => el("li", { id: `${prefix}-${c.n}` },
    el("span", { class: "cite-n" }, `[${c.n}]`),
    el("div", {},
      el("a", { href: cm.documentHref(c) }, c.page ? `${c.title}, p. ${c.page}` : c.title),
      sectionLabel(c) ? el("span", { class: "muted" }, ` — ${sectionLabel(c)}`) : null,
      c.snippet ? el("p", { class: "snippet" }, c.snippet) : null,
      el("p", { class: "small muted source" }, c.source)),
  )));
}

function startChat() {
  const form = document.getElementById("chat-form");
  const log = document.getElementById("chat-log");
  const status = document.getElementById("chat-conversation");
  const ask = document.getElementById("chat-ask");
  let conversationId = null;
  let exchanges = 0;

  const showConversation = () => {
    status.textContent = conversationId ? "Follow-up questions continue this conversation." : "";
  };
  document.getElementById("chat-new").addEventListener("click", () => {
    conversationId = null;
    log.replaceChildren();
    showConversation();
    form.elements.question.focus();
  });
  form.elements.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { el } = cm;
    const question = form.elements.question.value.trim();
    if (!question) return;
    const body = { question };
    for (const name of ["charger_id", "vendor", "model"]) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = value;
    }
    if (conversationId) body.conversation_id = conversationId;
    exchanges += 1;
    const prefix = `c${exchanges}`;
    const scope = [body.charger_id, body.vendor, body.model].filter(Boolean).join(" · ");
    const badges = el("div", { class: "badges" });
    const text = el("div", { class: "text streaming" }, "");
    const answer = el("div", { class: "chat-a", "aria-busy": "true" }, badges, text);
    log.append(el("li", { class: "exchange" },
      el("div", { class: "chat-q" }, question, scope ? el("span", { class: "scope-line" }, scope) : null), answer));
    form.elements.question.value = "";
    ask.disabled = true;
    let shown = "";
    const finish = () => { text.classList.remove("streaming"); answer.removeAttribute("aria-busy"); ask.disabled = false; };
    const fail = (message) => { badges.replaceChildren(cm.el("span", { class: "chip chip-bad" }, "Error")); text.textContent = message; finish(); };
    let response;
    try {
      response = await fetch(form.dataset.endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRF-Token": cm.csrf },
        body: JSON.stringify(body),
      });
    } catch (error) {
      fail(`The service could not be reached (${error.message}).`);
      return;
    }
    if (!response.ok) {
      let message = `The chat failed (HTTP ${response.status}).`;
      try { message = (await response.json()).message || message; } catch { /* not JSON */ }
      if (response.status === 401) message = "Your session has ended: reload the page and log in again.";
      fail(message);
      return;
    }
    let ended = false;
    try {
      for await (const { event: kind, data } of serverEvents(response)) {
        const payload = JSON.parse(data);
        if (kind === "start") {
          conversationId = payload.conversation_id || conversationId;
          const how = { extractive: "Quoted from the manuals", llm: "Written by the language model" }[payload.reasoner];
          if (payload.reasoner) badges.append(el("span", { class: "chip chip-muted", title: `reasoner: ${payload.reasoner}` }, how || payload.reasoner));
          answer.scrollIntoView({ block: "nearest" });
        } else if (kind === "token") {
          shown += payload.text;
          text.textContent = shown;
        } else if (kind === "replace") {
          shown = payload.text;
          text.textContent = shown;
        } else if (kind === "citations") {
          ended = true;
          conversationId = payload.conversation_id || conversationId;
          const citations = payload.citations || [];
          const known = new Set(citations.map((c) => c.n));
          text.replaceChildren(...answerNodes(payload.answer || shown, prefix, known));
          badges.append(payload.grounded
            ? el("span", { class: "chip chip-ok" }, `From the manuals: ${citations.length} source${citations.length === 1 ? "" : "s"}`)
            : el("span", { class: "chip chip-warn grounded-false" }, "Not found in the manuals"));
          if (citations.length) answer.append(el("h3", {}, "Sources"), sourcesList(citations, prefix));
          const links = (payload.links || []).map((l) => [cm.consoleHref(l.href), l]).filter(([href]) => href);
          if (links.length) answer.append(el("ul", { class: "links" }, links.map(([href, l]) => el("li", {}, el("a", { href }, l.title || l.rel)))));
        } else if (kind === "error") {
          ended = true;
          fail(payload.detail || "The chat could not answer.");
        }
      }
    } catch (error) {
      if (!ended) fail(`The answer was cut off (${error.message}).`);
    }
    if (!ended) fail(shown ? `${shown}\n\n(The answer was cut off.)` : "The answer was cut off.");
    finish();
    showConversation();
  });
}

document.addEventListener("DOMContentLoaded", startChat);
