// chargemedic console: shared helpers. Data from the server is only ever set with textContent.
"use strict";

const cm = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  // The colours of states and verdicts, as the server renders them (app/console/views.py).
  const { tones: TONES, verdicts: VERDICTS, outcomes: OUTCOMES } = JSON.parse(document.getElementById("cm-tones")?.textContent || '{"tones": {}, "verdicts": {}}');

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === "") continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function chip(value, label) {
    if (!value) return el("span", { class: "muted" }, "—");
    return el("span", { class: `chip chip-${TONES[value] || "muted"}` }, label || value.replaceAll("_", " "));
  }

  function verdictChip(verdict) {
    const [label, tone] = VERDICTS[verdict] || [verdict || "—", "muted"];
    return el("span", { class: `chip chip-${tone}` }, label);
  }

  // What became of an action, as app/console/outcomes.py words it (an alarm: a hazard left live).
  function outcomeView(action, outcome, faultClass) {
    const rules = OUTCOMES;
    if (!outcome) return { label: rules.in_flight[0], tone: rules.in_flight[1], alarm: false };
    let [label, tone] = rules.outcomes[outcome] || [outcome.replaceAll("_", " "), "muted"];
    const failed = rules.failed_tones.includes(tone);
    const isolating = rules.isolating.includes(action);
    if (failed && isolating) label = `${rules.not_isolated}: ${label}`;
    return { label, tone, alarm: failed && (isolating || rules.safety_classes.includes(faultClass)) };
  }

  function outcomeChip(view) {
    return el("span", { class: `chip chip-${view.alarm ? "alarm" : view.tone} outcome` }, view.label);
  }

  // Local time, 24-hour; the year only when it is not this year.
  const clock = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
  const thisYear = new Intl.DateTimeFormat(undefined, clock);
  const otherYear = new Intl.DateTimeFormat(undefined, { ...clock, year: "numeric" });

  function timeEl(iso) {
    if (!iso) return el("span", { class: "muted" }, "—");
    const node = el("time", { datetime: iso }, iso);
    localize(node);
    return node;
  }

  function localize(node) {
    const date = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) return;
    node.title = `${date.toISOString().replace("T", " ").slice(0, 19)} UTC`;
    const format = date.getFullYear() === new Date().getFullYear() ? thisYear : otherYear;
    node.textContent = format.format(date);
  }

  // POST JSON to the API with the login cookie and the CSRF header; resolves to {ok, status, data}.
  async function post(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return { ok: false, status: 0, data: { message: `The service could not be reached (${error.message}).` } };
    }
    let data = {};
    try { data = await response.json(); } catch { data = {}; }
    if (response.status === 401) data.message = "Your session has ended: reload the page and log in again.";
    return { ok: response.ok, status: response.status, data };
  }

  function say(target, text, ok) {
    target.textContent = text;
    target.classList.toggle("ok", ok);
    target.classList.toggle("bad", !ok);
  }

  // A console page for an API link the server sent (only paths on this site).
  function consoleHref(href) {
    if (typeof href !== "string" || !href.startsWith("/") || href.startsWith("//")) return null;
    const url = new URL(href, location.origin);
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] !== "v1") return url.pathname + url.search + url.hash;
    const [, kind, id] = parts;
    if (kind === "faults" && id) return `/faults/${encodeURIComponent(id)}`;
    if (kind === "chargers") return id ? `/chargers/${encodeURIComponent(id)}` : "/chargers";
    if (kind === "approvals") return `/approvals${url.search}`;
    if (kind === "escalations") return id ? `/escalations?state=all#escalation-${encodeURIComponent(id)}` : "/escalations";
    return null;
  }

  function documentHref(citation) {
    const path = String(citation.source).split("/").map(encodeURIComponent).join("/");
    const params = new URLSearchParams();
    if (citation.page) params.set("page", citation.page);
    else if (citation.section) params.set("section", citation.section);
    if (citation.snippet) params.set("hl", String(citation.snippet).slice(0, 300));
    const query = params.toString();
    return `/documents/${path}${query ? `?${query}` : ""}#cited`;
  }

  // Adjust a navigation count (approvals, escalations) after this page answered one.
  function bumpCount(page, by) {
    const badge = document.querySelector(`nav a[href="${page}"] .count`);
    if (!badge) return;
    const count = Math.max(0, Number(badge.textContent) + by);
    badge.textContent = String(count);
    if (count === 0) badge.classList.remove("count-warn", "count-bad");
  }

  return { csrf, el, chip, verdictChip, outcomeView, outcomeChip, timeEl, localize, post, say, consoleHref, documentHref, bumpCount };
})();

function wireApprovals() {
  for (const form of document.querySelectorAll("form.answer")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const verb = event.submitter?.value === "reject" ? "reject" : "approve";
      const result = form.querySelector(".result");
      const buttons = form.querySelectorAll("button");
      buttons.forEach((b) => { b.disabled = true; });
      cm.say(result, verb === "approve" ? "Approving…" : "Rejecting…", true);
      const answer = await cm.post(`/v1/approvals/${form.dataset.decision}/${verb}`, {
        comment: form.elements.comment.value,
      });
      if (answer.ok) {
        const text = answer.data.state === "approved"
          ? "Approved: the action is queued; the guard checks it again before it runs."
          : "Rejected: nothing is sent, and the fault goes to a technician.";
        cm.say(result, text, true);
        form.elements.comment.disabled = true;
        form.querySelector(".buttons").remove(); // answered: nothing more to press
        cm.bumpCount("/approvals", -1);
        form.closest("article")?.querySelector(".card-head .chip")?.replaceWith(cm.chip(answer.data.state));
      } else {
        cm.say(result, answer.data.message || `Failed (HTTP ${answer.status}).`, false);
        buttons.forEach((b) => { b.disabled = answer.status === 409; });
      }
    });
  }
}

function wireEscalations() {
  const forms = document.querySelectorAll("form.acknowledge, form.resolve");
  for (const form of forms) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = form.closest(".ticket-actions");
      const result = box.querySelector(".result");
      const id = form.dataset.escalation;
      const resolving = form.classList.contains("resolve");
      const body = resolving
        ? { note: form.elements.note.value, reenable: form.elements.reenable.checked }
        : { comment: form.elements.comment.value };
      box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      const answer = await cm.post(`/v1/escalations/${id}/${resolving ? "resolve" : "acknowledge"}`, body);
      if (answer.ok) {
        const ticket = resolving ? answer.data.escalation : answer.data;
        let text = resolving ? "Resolved." : "Acknowledged: the ticket is yours.";
        if (resolving && answer.data.reenable) text += " Re-enabling the connector is queued (the guard still checks it).";
        cm.say(result, text, true);
        const state = box.closest(".ticket").querySelector(".ticket-state");
        const before = state.querySelector(".chip")?.textContent.replace(/^\W+/, "");
        state.replaceChildren(cm.chip(ticket.state));
        if (before === "open") cm.bumpCount("/escalations", -1);
        form.remove();
        if (!resolving) box.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      } else {
        cm.say(result, answer.data.message || `Failed (HTTP ${answer.status}).`, false);
        box.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      }
    });
  }
}

function wireNavigation() {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("nav");
  toggle?.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, textarea, summary")) return;
    if (window.getSelection()?.toString()) return; // the user is selecting text, not navigating
    location.href = row.dataset.href;
  });
}

// A link to one item of a list of collapsed items (e.g. /escalations#escalation-12) opens it.
function openLinkedDetails() {
  let target = null;
  try { target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1))); } catch { return; }
  if (target instanceof HTMLDetailsElement) target.open = true;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("time[datetime]").forEach(cm.localize);
  openLinkedDetails();
  wireNavigation();
  wireApprovals();
  wireEscalations();
});
