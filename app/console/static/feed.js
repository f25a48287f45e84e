// The live fault feed: server-sent events from /v1/faults/stream, newest change on top.
"use strict";

const MAX_ROWS = 200;

function faultCode(f) {
  const parts = [f.error_code, f.vendor_error_code].filter(Boolean);
  const alt = [f.component, f.variable].filter(Boolean);
  return (parts.length ? parts : alt).join(" · ") || "—";
}

// As the decision_cell macro (templates/_macros.html): what became of the action sent, else the verdict.
function decisionCell(decision, faultClass) {
  if (!decision) return [cm.el("span", { class: "muted" }, "—")];
  const action = cm.el("span", { class: "action" }, decision.action.replaceAll("_", " "));
  if (decision.outcome) return [action, " ", cm.outcomeChip(cm.outcomeView(decision.action, decision.outcome, faultClass))];
  const cells = [action, " ", cm.verdictChip(decision.verdict)];
  if (decision.approval_state) cells.push(" ", cm.chip(decision.approval_state));
  return cells;
}

function isAlarm(f) {
  return Boolean(f.decision?.outcome) && cm.outcomeView(f.decision.action, f.decision.outcome, f.fault_class).alarm;
}

function feedRow(f, label) {
  const { el } = cm;
  const updated = el("td", { "data-label": "Updated" }, cm.timeEl(f.updated_at));
  if (label) updated.append(el("span", { class: "badge-new" }, label));
  const charger = el("td", { "data-label": "Charger" }, el("strong", {}, f.charger_id));
  if (f.connector_id !== null && f.connector_id !== undefined) charger.append(" ", el("span", { class: "muted" }, `#${f.connector_id}`));
  return el("tr", { "data-fault-id": f.id, "data-updated": f.updated_at, "data-href": f.href, class: isAlarm(f) ? "fresh alarm" : "fresh" },
    updated,
    charger,
    el("td", { "data-label": "Site" }, f.site_id || "—"),
    el("td", { "data-label": "Fault" }, el("a", { href: f.href }, el("code", {}, faultCode(f)))),
    el("td", { "data-label": "Class" }, (f.fault_class || "—").replaceAll("_", " ")),
    el("td", { "data-label": "Decision" }, decisionCell(f.decision, f.fault_class)),
    el("td", { "data-label": "State" }, cm.chip(f.state)),
  );
}

// The navigation's counts of pending approvals and open tickets, read again from the API.
let countsTimer = null;
function refreshCounts() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(async () => {
    const sources = [["/approvals", "/v1/approvals"], ["/escalations", "/v1/escalations?state=open"]];
    for (const [page, api] of sources) {
      try {
        const response = await fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) continue;
        const count = (await response.json()).length;
        const badge = document.querySelector(`nav a[href="${page}"] .count`);
        if (!badge) continue;
        badge.textContent = String(count);
        badge.classList.toggle(page === "/approvals" ? "count-warn" : "count-bad", count > 0);
      } catch { /* the next event tries again */ }
    }
  }, 800);
}

function sameTime(a, b) {
  return a && b && new Date(a).getTime() === new Date(b).getTime();
}

function startFeed() {
  const table = document.getElementById("feed");
  if (!table) return;
  const body = table.tBodies[0];
  const status = document.getElementById("feed-status");
  const statusText = status.querySelector(".live-text");
  const empty = document.getElementById("feed-empty");
  const setStatus = (state, text) => { status.dataset.state = state; statusText.textContent = text; };

  const since = table.dataset.since;
  const source = new EventSource(table.dataset.stream + (since ? `?since=${encodeURIComponent(since)}` : ""));
  source.addEventListener("open", () => setStatus("live", "Live"));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) setStatus("closed", "Disconnected: reload the page (or log in again)");
    else setStatus("reconnecting", "Reconnecting…");
  });
  source.addEventListener("fault", (event) => {
    const fault = JSON.parse(event.data);
    const existing = body.querySelector(`tr[data-fault-id="${CSS.escape(String(fault.id))}"]`);
    if (existing && sameTime(existing.dataset.updated, fault.updated_at)) return;
    const wasNew = existing?.querySelector(".badge-new")?.textContent === "new";
    const row = feedRow(fault, existing && !wasNew ? "updated" : "new");
    existing?.remove();
    body.prepend(row);
    empty.hidden = true;
    while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
    setTimeout(() => row.querySelector(".badge-new")?.remove(), 60000);
    refreshCounts();
  });
}

document.addEventListener("DOMContentLoaded", startFeed);
