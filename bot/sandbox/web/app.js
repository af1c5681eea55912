// The sandbox page: a small Slack workspace in the browser, on the real Amends bot.
//
// The page holds no workspace state of its own: it long-polls /api/state (what the acting person sees
// in the fake Slack, once its revision changes) and renders it. Everything a person does is POSTed to
// /api/<verb>; the sandbox sends it to the bot as Slack would (signed requests, Slack's payloads) and the
// bot's answers come back through the fake's Web API, hence through the next state.

import { clientErrors, renderBlocks, setError, StateStore } from "./blocks.js";
import { emojify, plainString, renderMrkdwn, renderPlain, renderText } from "./mrkdwn.js";

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, onClick, ariaLabel) {
  const node = el("button", className, label);
  node.type = "button";
  if (ariaLabel) node.setAttribute("aria-label", ariaLabel);
  node.addEventListener("click", onClick);
  return node;
}

// ---------------------------------------------------------------------------- page state

const page = {
  me: null,
  data: null,          // the last /api/state answer
  revision: -1,
  route: { kind: "channel", id: null },  // or { kind: "app", tab: "home" | "messages" | "about" }
  thread: null,        // { channel, ts }
  surfaces: new Map(), // surface key -> { signature, state: StateStore }
  modal: { id: null, hash: null, node: null },
  dismissedIntro: new Set(),
  lastSeen: {},        // channel id -> newest ts the person has looked at
  trafficOpen: false,
  pollGeneration: 0,
  pollAbort: null,
  editing: null,       // "channel:ts" of the message being edited
};

const params = new URLSearchParams(location.search);

// ---------------------------------------------------------------------------- API

async function post(verb, body) {
  const response = await fetch(`/api/${verb}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: page.me, ...body }),
  });
  let answer;
  try {
    answer = await response.json();
  } catch {
    answer = { ok: false, error: `The sandbox answered HTTP ${response.status}.` };
  }
  if (!answer.ok) toast(answer.error ?? "Something went wrong.", "error");
  return answer;
}

async function poll() {
  const generation = ++page.pollGeneration;
  page.pollAbort?.abort();
  let failures = 0;
  while (generation === page.pollGeneration) {
    const controller = new AbortController();
    page.pollAbort = controller;
    try {
      const url = `/api/state?user=${encodeURIComponent(page.me)}&since=${page.revision}`;
      const response = await fetch(url, { signal: controller.signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      if (generation !== page.pollGeneration) return;
      failures = 0;
      setOffline(false);
      if (data.revision !== page.revision || !page.data) {
        page.revision = data.revision;
        page.data = data;
        render();
      }
    } catch (error) {
      if (controller.signal.aborted && generation !== page.pollGeneration) return;
      failures += 1;
      setOffline(true);
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * failures)));
      page.revision = -1;
    }
  }
}

function setOffline(offline) {
  $("#offline").hidden = !offline;
}

// ---------------------------------------------------------------------------- helpers

function people() {
  return Object.fromEntries(page.data.people.map((p) => [p.id, p]));
}

function channels() {
  const list = page.data.channels.map((c) => [c.id, c]);
  list.push([page.data.bot.dm, { id: page.data.bot.dm, name: page.data.bot.name }]);
  return Object.fromEntries(list);
}

function meTz() {
  return people()[page.me]?.tz ?? "UTC";
}

function formatTime(ts) {
  return new Intl.DateTimeFormat("en-US", { timeZone: meTz(), hour: "numeric", minute: "2-digit" })
    .format(new Date(Number(ts) * 1000));
}

function formatDay(ts) {
  return new Intl.DateTimeFormat("en-US", { timeZone: meTz(), weekday: "long", month: "long", day: "numeric" })
    .format(new Date(Number(ts) * 1000));
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
}

function colour(id) {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return `hsl(${hash} 45% 42%)`;
}

function avatar(person) {
  const node = el("div", "avatar", person?.is_bot ? "A" : initials(person?.real_name ?? "?"));
  node.style.background = person?.is_bot ? "#4a154b" : colour(person?.id ?? "?");
  node.setAttribute("aria-hidden", "true");
  return node;
}

function toast(text, kind = "info") {
  const node = el("div", `toast toast-${kind}`);
  node.append(renderPlain({ type: "plain_text", text }));
  node.setAttribute("role", kind === "error" ? "alert" : "status");
  const close = button("×", "toast-close", () => node.remove(), "Dismiss");
  node.append(close);
  $("#toasts").append(node);
  setTimeout(() => node.remove(), kind === "error" ? 12000 : 5000);
}

function blockContext(surface, stateKey, errors = {}) {
  const entry = page.surfaces.get(stateKey);
  return {
    me: page.me,
    tz: meTz(),
    people: people(),
    channels: channels(),
    peopleList: page.data.people,
    channelList: page.data.channels,
    surface,
    errors,
    state: entry?.state ?? new StateStore(),
    confirm: confirmDialog,
    openLink: openPermalink,
    act: (block, element, detail) => act(surface, stateKey, block, element, detail),
  };
}

function surfaceState(key, signature, blocks) {
  const entry = page.surfaces.get(key);
  if (entry && entry.signature === signature) return entry.state;
  // The surface changed (chat.update, views.update): keep what still fits, as Slack does for views.
  const state = entry ? entry.state.keepFor(blocks) : new StateStore();
  page.surfaces.set(key, { signature, state, blocks });
  return state;
}

async function act(surface, stateKey, block, element, detail) {
  const entry = page.surfaces.get(stateKey);
  const blocks = entry?.blocks ?? [];
  await post("action", {
    surface,
    action_id: element.action_id,
    block_id: block.block_id,
    value: detail.value ?? null,
    selected: detail.selected ?? null,
    state: entry ? entry.state.collect(blocks) : {},
  });
}

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const overlay = el("div", "overlay overlay-confirm");
    const dialog = el("div", "dialog");
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-modal", "true");
    const title = el("h2", "dialog-title");
    title.id = "confirm-title";
    title.append(renderPlain(confirm.title ?? { type: "plain_text", text: "Are you sure?" }));
    dialog.setAttribute("aria-labelledby", title.id);
    const text = el("div", "dialog-text");
    text.append(renderText(confirm.text, { people: people(), channels: channels(), me: page.me, tz: meTz() }));
    const finish = (answer) => {
      overlay.remove();
      document.removeEventListener("keydown", onKey, true);
      resolve(answer);
    };
    const onKey = (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        finish(false);
      }
    };
    document.addEventListener("keydown", onKey, true);
    const deny = button(plainString(confirm.deny) || "Cancel", "bk-button", () => finish(false));
    const yes = button(plainString(confirm.confirm) || "Yes", "bk-button " +
      (confirm.style === "danger" ? "bk-danger" : "bk-primary"), () => finish(true));
    const footer = el("div", "dialog-footer");
    footer.append(deny, yes);
    dialog.append(title, text, footer);
    overlay.append(dialog);
    document.body.append(overlay);
    yes.focus();
  });
}

// ---------------------------------------------------------------------------- routing

function routeFromHash() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash === "home" || hash === "messages" || hash === "about") return { kind: "app", tab: hash };
  return { kind: "channel", id: hash || null };
}

function go(hash) {
  if (location.hash.slice(1) === hash) onRoute();
  else location.hash = hash;
}

function onRoute() {
  const previous = page.route;
  page.route = routeFromHash();
  if (page.route.kind === "channel" && page.thread && page.thread.channel !== page.route.id) page.thread = null;
  if (page.route.kind === "app" && (previous.kind !== "app" || previous.tab !== page.route.tab)) {
    if (page.route.tab !== "about") post("home", { tab: page.route.tab });
  }
  if (page.data) render();
}

function currentChannel() {
  if (page.route.kind === "app") return page.route.tab === "messages" ? page.data.bot.dm : null;
  const ids = page.data.channels.map((c) => c.id);
  return ids.includes(page.route.id) ? page.route.id : (ids[0] ?? null);
}

// ---------------------------------------------------------------------------- rendering

function render() {
  if (!page.data) return;
  if (page.data.me !== page.me) return;
  renderTopbar();
  renderSidebar();
  renderMain();
  renderThread();
  renderModal();
  if (page.trafficOpen) refreshTraffic();
  document.body.dataset.revision = String(page.data.revision);
  document.body.dataset.actingAs = page.me;
}

function renderTopbar() {
  $("#workspace-name").textContent = page.data.workspace.name;
  const select = $("#acting-as");
  const humans = page.data.people.filter((p) => !p.is_bot);
  const signature = humans.map((p) => p.id).join();
  if (select.dataset.signature !== signature) {
    select.replaceChildren(...humans.map((p) => {
      const option = el("option", "", `${p.real_name} · ${p.role}`);
      option.value = p.id;
      return option;
    }));
    select.dataset.signature = signature;
  }
  select.value = page.me;
}

function unread(channelId) {
  const seen = page.lastSeen[channelId] ?? "0";
  return (page.data.messages[channelId] ?? []).filter((m) => !m.thread_ts || m.thread_ts === m.ts)
    .filter((m) => m.user !== page.me && Number(m.ts) > Number(seen)).length;
}

function renderSidebar() {
  const nav = $("#sidebar");
  const current = currentChannel();
  const list = el("ul", "side-list");
  for (const channel of page.data.channels) {
    const item = el("li");
    const link = el("a", "side-link");
    link.href = "#" + channel.id;
    link.dataset.channel = channel.id;
    link.append(el("span", "side-hash", channel.is_private ? "🔒" : "#"), el("span", "side-name", channel.name));
    const count = channel.id === current && page.route.kind === "channel" ? 0 : unread(channel.id);
    if (count) {
      link.classList.add("side-unread");
      link.append(el("span", "side-badge", String(count)));
    }
    if (channel.id === current && page.route.kind === "channel") link.setAttribute("aria-current", "page");
    item.append(link);
    list.append(item);
  }
  const apps = el("ul", "side-list");
  const item = el("li");
  const link = el("a", "side-link");
  link.href = "#home";
  link.dataset.app = "amends";
  link.append(avatar({ is_bot: true }), el("span", "side-name", page.data.bot.name));
  const dmCount = page.route.kind === "app" && page.route.tab === "messages" ? 0 : unread(page.data.bot.dm);
  if (dmCount) {
    link.classList.add("side-unread");
    link.append(el("span", "side-badge", String(dmCount)));
  }
  if (page.route.kind === "app") link.setAttribute("aria-current", "page");
  item.append(link);
  apps.append(item);
  nav.replaceChildren(el("h2", "side-heading", "Channels"), list, el("h2", "side-heading", "Apps"), apps);
}

function renderMain() {
  const main = $("#main");
  const key = page.route.kind === "app" ? `app:${page.route.tab}` : `channel:${currentChannel()}`;
  if (main.dataset.key !== key || main.dataset.me !== page.me) {
    main.replaceChildren();
    main.dataset.key = key;
    main.dataset.me = page.me;
  }
  if (page.route.kind === "app") renderApp(main);
  else renderChannel(main, currentChannel());
}

function header(main, titleNodes, detail, tabs) {
  let bar = $(":scope > .main-header", main);
  if (!bar) {
    bar = el("header", "main-header");
    main.prepend(bar);
  }
  const title = el("h1", "main-title");
  title.append(...titleNodes);
  const children = [title];
  if (detail) children.push(el("div", "main-detail", detail));
  if (tabs) children.push(tabs);
  bar.replaceChildren(...children);
}

function renderChannel(main, channelId) {
  const channel = channels()[channelId];
  if (!channel) {
    main.replaceChildren(el("p", "empty", "You are not in any channel."));
    return;
  }
  header(main, [el("span", "main-hash", "#"), document.createTextNode(channel.name)], channel.purpose);
  renderConversation(main, channelId, {
    intro: () => channelIntro(channel),
    placeholder: `Message #${channel.name}`,
  });
}

function channelIntro(channel) {
  const intro = el("div", "intro");
  intro.append(el("h2", "intro-title", `This is the very beginning of #${channel.name}`));
  if (channel.purpose) intro.append(el("p", "", channel.purpose + "."));
  const tip = el("p", "intro-tip");
  tip.append(renderMrkdwn("Type `/recover` in the box below when a promise to a customer is at risk, " +
    "or `/recover help` to see everything Amends can do. Switch who you are with *Acting as*, top right."));
  intro.append(tip);
  return intro;
}

function renderApp(main) {
  const tabs = el("nav", "tabs");
  tabs.setAttribute("aria-label", "App tabs");
  for (const [tab, label] of [["home", "Home"], ["messages", "Messages"], ["about", "About"]]) {
    const link = el("a", "tab", label);
    link.href = "#" + tab;
    if (page.route.tab === tab) link.setAttribute("aria-current", "page");
    tabs.append(link);
  }
  header(main, [avatar({ is_bot: true }), document.createTextNode(page.data.bot.name),
    el("span", "badge", "APP")], null, tabs);
  if (page.route.tab === "messages") {
    renderConversation(main, page.data.bot.dm, {
      intro: () => {
        const intro = el("div", "intro");
        intro.append(el("h2", "intro-title", `This is your conversation with ${page.data.bot.name}`));
        intro.append(el("p", "", "Amends sends you confirmations, reminders and approvals here. You can " +
          "also use /recover in this box."));
        return intro;
      },
      placeholder: `Message ${page.data.bot.name}`,
    });
  } else if (page.route.tab === "home") {
    renderHome(main);
  } else {
    renderAbout(main);
  }
}

function body(main, className) {
  let node = $(`:scope > .${className}`, main);
  for (const other of main.querySelectorAll(":scope > .main-body")) if (other !== node) other.remove();
  if (!node) {
    node = el("div", `main-body ${className}`);
    main.append(node);
  }
  return node;
}

function renderHome(main) {
  const home = page.data.home;
  const container = body(main, "home");
  $(":scope > .composer", main)?.remove();
  if (!home) {
    const signature = "none";
    if (container.dataset.signature === signature) return;
    container.dataset.signature = signature;
    const empty = el("div", "empty");
    empty.append(renderMrkdwn(page.data.app.home_tab
      ? "_Amends hasn't published a Home tab for you yet._"
      : "_This version of Amends has no Home tab._ Its messages to you are under *Messages*."));
    container.replaceChildren(empty);
    return;
  }
  const signature = `${home.id}:${home.hash}`;
  if (container.dataset.signature === signature) return;
  container.dataset.signature = signature;
  const key = `home:${page.me}`;
  surfaceState(key, signature, home.view.blocks);
  const ctx = blockContext({ type: "home" }, key);
  container.replaceChildren(renderBlocks(home.view.blocks, ctx));
}

function renderAbout(main) {
  const container = body(main, "about");
  $(":scope > .composer", main)?.remove();
  const app = page.data.app;
  const parts = [el("h2", "about-title", "What this app can do here")];
  const list = el("dl", "about-list");
  for (const command of app.commands) {
    list.append(el("dt", "", `${command.name} ${command.usage_hint}`.trim()), el("dd", "", command.description));
  }
  for (const sub of app.subcommands ?? []) {
    list.append(el("dt", "", sub.usage), el("dd", "", sub.summary));
  }
  for (const shortcut of app.shortcuts) {
    list.append(el("dt", "", `${shortcut.name} (${shortcut.kind} shortcut)`), el("dd", "", shortcut.description));
  }
  parts.push(list);
  const note = el("p", "about-note");
  note.append(renderMrkdwn("This is a *sandbox*: a small fake Slack workspace on your machine, running the " +
    "real Amends bot. Every click is sent to the bot as Slack would send it (open *Requests*, top right, " +
    `to see them). Events it listens to: ${app.events.map((e) => "`" + e + "`").join(", ") || "none"}.`));
  parts.push(note);
  container.replaceChildren(...parts);
}

// ---------------------------------------------------------------------------- conversations

function topLevel(channelId) {
  return (page.data.messages[channelId] ?? []).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
}

function renderConversation(main, channelId, { intro, placeholder }) {
  const list = body(main, "messages");
  list.setAttribute("role", "log");
  list.setAttribute("aria-label", placeholder.replace(/^Message /, "Messages in "));
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const items = [];
  items.push({ key: "intro", signature: "intro", build: intro });
  let lastDay = null;
  const ephemerals = page.data.ephemerals.filter((e) => e.channel === channelId && !e.thread_ts);
  const merged = [...topLevel(channelId).map((m) => ({ kind: "message", item: m })),
    ...ephemerals.map((e) => ({ kind: "ephemeral", item: e }))]
    .sort((a, b) => Number(a.item.ts) - Number(b.item.ts));
  for (const { kind, item } of merged) {
    const day = formatDay(item.ts);
    if (day !== lastDay) {
      items.push({ key: `day:${day}`, signature: day, build: () => el("div", "day-divider", day) });
      lastDay = day;
    }
    if (kind === "message") {
      const key = `${channelId}:${item.ts}`;
      items.push({ key, signature: messageSignature(item), build: () => renderMessage(item, { inThread: false }) });
    } else {
      const key = `eph:${item.ts}`;
      items.push({ key, signature: JSON.stringify([item.text, item.blocks]), build: () => renderEphemeral(item) });
    }
  }
  reconcile(list, items);
  if (nearBottom || list.dataset.scrolled !== "yes") {
    list.scrollTop = list.scrollHeight;
    list.dataset.scrolled = "yes";
  }
  const newest = merged.at(-1)?.item.ts;
  if (newest) page.lastSeen[channelId] = newest;
  ensureComposer(main, channelId, null, placeholder);
}

function messageSignature(message) {
  return JSON.stringify([page.me, message.text, message.blocks, message.edited, message.reply_count,
    message.latest_reply, message.files, page.editing === `${message.channel}:${message.ts}`]);
}

// Keep rendered nodes whose content did not change, so focus, open menus and typed input survive.
function reconcile(container, items) {
  const existing = new Map([...container.children].map((node) => [node.dataset.key, node]));
  const wanted = new Set(items.map((i) => i.key));
  for (const [key, node] of existing) if (!wanted.has(key)) node.remove();
  let index = 0;
  for (const item of items) {
    let node = existing.get(item.key);
    if (!node || node.dataset.signature !== item.signature) {
      const fresh = item.build();
      fresh.dataset.key = item.key;
      fresh.dataset.signature = item.signature;
      if (node) node.replaceWith(fresh);
      node = fresh;
    }
    if (container.children[index] !== node) container.insertBefore(node, container.children[index] ?? null);
    index += 1;
  }
}

function authorOf(message) {
  const person = people()[message.user];
  if (person) return person;
  return { id: message.user, real_name: message.user, is_bot: Boolean(message.bot_id) };
}

function messageHead(person, ts, extra = []) {
  const head = el("div", "msg-head");
  head.append(el("span", "msg-author", person.real_name));
  if (person.is_bot) head.append(el("span", "badge", "APP"));
  const time = el("time", "msg-time", formatTime(ts));
  time.dateTime = new Date(Number(ts) * 1000).toISOString();
  head.append(time, ...extra);
  return head;
}

function messageContent(item, surface, stateKey) {
  const content = el("div", "msg-content");
  // A person's message carries the rich_text Slack's composer made from its text; the mrkdwn text is the
  // same message, with the *bold* and `code` the person typed.
  const typed = !item.bot_id && (item.blocks ?? []).every((b) => b.type === "rich_text");
  if (item.blocks?.length && !typed) {
    surfaceState(stateKey, JSON.stringify(item.blocks), item.blocks);
    content.append(renderBlocks(item.blocks, blockContext(surface, stateKey)));
  } else {
    content.append(renderMrkdwn(item.text ?? "", { people: people(), channels: channels(), me: page.me, tz: meTz() }));
  }
  return content;
}

function renderMessage(message, { inThread }) {
  const person = authorOf(message);
  const node = el("article", "msg");
  node.dataset.ts = message.ts;
  node.dataset.channel = message.channel;
  node.dataset.user = message.user;
  const bodyNode = el("div", "msg-body");
  const extra = message.edited ? [el("span", "msg-edited", "(edited)")] : [];
  bodyNode.append(messageHead(person, message.ts, extra));
  const key = `${message.channel}:${message.ts}`;
  if (page.editing === key) {
    bodyNode.append(editForm(message));
  } else {
    bodyNode.append(messageContent(message, { type: "message", channel: message.channel, ts: message.ts }, `msg:${key}`));
  }
  for (const file of message.files ?? []) {
    if (["image/png", "image/jpeg", "image/gif"].includes(file.mimetype)) {
      const picture = el("img", "msg-file-image");
      picture.src = `/files/${encodeURIComponent(file.id)}`;
      picture.alt = file.alt_txt ?? file.title ?? file.name;
      picture.title = file.title ?? file.name;
      bodyNode.append(picture);
    } else {
      bodyNode.append(el("div", "msg-file", `📎 ${file.title ?? file.name} (${file.size ?? "?"} bytes)`));
    }
  }
  if (!inThread && message.reply_count) {
    const replies = button(`${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`, "msg-replies",
      () => openThread(message.channel, message.ts));
    bodyNode.append(replies);
  }
  node.append(avatar(person), bodyNode, messageActions(message, inThread));
  return node;
}

function messageActions(message, inThread) {
  const bar = el("div", "msg-actions");
  if (!inThread) {
    bar.append(button("Reply", "msg-action msg-action-text", () => openThread(message.channel, message.ts),
      "Reply in thread"));
  }
  const items = [];
  for (const shortcut of page.data.app.shortcuts.filter((s) => s.kind === "message")) {
    items.push([`${shortcut.name}`, () => post("shortcut", { callback_id: shortcut.callback_id,
      channel: message.channel, ts: message.ts })]);
  }
  if (message.user === page.me) {
    items.push(["Edit message", () => {
      page.editing = `${message.channel}:${message.ts}`;
      render();
    }]);
    items.push(["Delete message", async () => {
      const sure = await confirmDialog({ title: { type: "plain_text", text: "Delete message" },
        text: { type: "plain_text", text: "Are you sure you want to delete this message? This cannot be undone." },
        confirm: { type: "plain_text", text: "Delete" }, deny: { type: "plain_text", text: "Cancel" }, style: "danger" });
      if (sure) post("delete", { channel: message.channel, ts: message.ts });
    }]);
  }
  if (items.length) {
    const menu = el("div", "msg-menu");
    menu.setAttribute("role", "menu");
    menu.hidden = true;
    for (const [label, run] of items) {
      const item = button(label, "msg-menu-item", () => {
        menu.hidden = true;
        run();
      });
      item.setAttribute("role", "menuitem");
      menu.append(item);
    }
    const more = button("⋮", "msg-action", () => {
      menu.hidden = !menu.hidden;
    }, "More actions");
    more.setAttribute("aria-haspopup", "menu");
    bar.append(more, menu);
  }
  return bar;
}

function editForm(message) {
  const form = el("form", "msg-edit");
  const area = el("textarea", "composer-input");
  area.value = plainTextOf(message);
  area.setAttribute("aria-label", "Edit message");
  const cancel = button("Cancel", "bk-button", () => {
    page.editing = null;
    render();
  });
  const save = el("button", "bk-button bk-primary", "Save");
  save.type = "submit";
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      page.editing = null;
      render();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    page.editing = null;
    await post("edit", { channel: message.channel, ts: message.ts, text: area.value });
    render();
  });
  const buttons = el("div", "msg-edit-buttons");
  buttons.append(cancel, save);
  form.append(area, buttons);
  setTimeout(() => area.focus());
  return form;
}

// What the person typed, back from Slack's text (mentions as @handle / #channel, entities decoded).
function plainTextOf(message) {
  const who = people();
  const where = channels();
  return (message.text ?? "")
    .replace(/<@([A-Z0-9]+)>/g, (_, id) => "@" + (who[id]?.handle ?? id))
    .replace(/<#([A-Z0-9]+)(\|[^>]*)?>/g, (_, id) => "#" + (where[id]?.name ?? id))
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function renderEphemeral(ephemeral) {
  const node = el("article", "msg msg-ephemeral");
  node.dataset.ts = ephemeral.ts;
  node.dataset.channel = ephemeral.channel;
  const bot = { id: page.data.bot.id, real_name: page.data.bot.name, is_bot: true };
  const bodyNode = el("div", "msg-body");
  bodyNode.append(messageHead(bot, ephemeral.ts));
  bodyNode.append(messageContent(ephemeral, { type: "ephemeral", ts: ephemeral.ts }, `eph:${ephemeral.ts}`));
  const footer = el("div", "msg-ephemeral-note");
  footer.append(el("span", "", "👁 Only visible to you · "),
    button("Dismiss", "link-button", () => post("dismiss", { ts: ephemeral.ts }), "Dismiss message"));
  bodyNode.append(footer);
  node.append(avatar(bot), bodyNode);
  return node;
}

function openThread(channel, ts) {
  page.thread = { channel, ts };
  render();
  setTimeout(() => $("#thread .composer-input")?.focus());
}

function renderThread() {
  const pane = $("#thread");
  const thread = page.thread;
  const parent = thread && (page.data.messages[thread.channel] ?? []).find((m) => m.ts === thread.ts);
  const visible = parent && (page.route.kind === "channel" ? currentChannel() === thread.channel
    : page.data.bot.dm === thread.channel);
  if (!visible) {
    pane.hidden = true;
    pane.replaceChildren();
    pane.dataset.key = "";
    if (thread && !parent) page.thread = null;
    return;
  }
  pane.hidden = false;
  const key = `${thread.channel}:${thread.ts}:${page.me}`;
  if (pane.dataset.key !== key) {
    pane.replaceChildren();
    pane.dataset.key = key;
    const bar = el("header", "thread-header");
    const title = el("h2", "thread-title", "Thread");
    const where = el("span", "thread-where", thread.channel === page.data.bot.dm ? page.data.bot.name
      : "#" + (channels()[thread.channel]?.name ?? ""));
    bar.append(title, where, button("×", "thread-close", () => {
      page.thread = null;
      render();
    }, "Close thread"));
    pane.append(bar);
  }
  const list = body(pane, "thread-messages");
  const replies = (page.data.messages[thread.channel] ?? []).filter((m) => m.thread_ts === thread.ts && m.ts !== thread.ts);
  const ephemerals = page.data.ephemerals.filter((e) => e.channel === thread.channel && e.thread_ts === thread.ts);
  const items = [{ key: "parent", signature: messageSignature(parent), build: () => renderMessage(parent, { inThread: true }) },
    { key: "count", signature: String(replies.length), build: () => el("div", "thread-count",
      `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`) }];
  const merged = [...replies.map((m) => ({ kind: "message", item: m })), ...ephemerals.map((e) => ({ kind: "ephemeral", item: e }))]
    .sort((a, b) => Number(a.item.ts) - Number(b.item.ts));
  for (const { kind, item } of merged) {
    items.push(kind === "message"
      ? { key: `${item.channel}:${item.ts}`, signature: messageSignature(item), build: () => renderMessage(item, { inThread: true }) }
      : { key: `eph:${item.ts}`, signature: JSON.stringify([item.text, item.blocks]), build: () => renderEphemeral(item) });
  }
  reconcile(list, items);
  ensureComposer(pane, thread.channel, thread.ts, "Reply…");
}

// ---------------------------------------------------------------------------- composer

function ensureComposer(container, channelId, threadTs, placeholder) {
  const key = `${channelId}:${threadTs ?? ""}`;
  let form = $(":scope > .composer", container);
  if (form && form.dataset.key === key) return;
  form?.remove();
  form = el("form", "composer");
  form.dataset.key = key;
  const area = el("textarea", "composer-input");
  area.rows = 1;
  area.placeholder = placeholder;
  area.setAttribute("aria-label", placeholder);
  const menu = el("ul", "command-menu");
  menu.setAttribute("role", "listbox");
  menu.hidden = true;
  const send = el("button", "composer-send", "Send");
  send.type = "submit";
  send.setAttribute("aria-label", "Send");
  const row = el("div", "composer-row");
  const globals = page.data.app.shortcuts.filter((s) => s.kind === "global");
  if (globals.length) row.append(shortcutsButton(globals));
  row.append(area, send);
  form.append(menu, row);
  area.addEventListener("input", () => commandMenu(area, menu));
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Tab" && !menu.hidden && menu.firstChild) {
      event.preventDefault();
      menu.firstChild.click();
    } else if (event.key === "Escape") {
      menu.hidden = true;
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = area.value;
    if (!text.trim()) return;
    area.value = "";
    menu.hidden = true;
    const answer = text.trimStart().startsWith("/")
      ? await post("command", { channel: channelId, text: text.trim() })
      : await post("message", { channel: channelId, text, thread_ts: threadTs });
    if (!answer.ok && !area.value) area.value = text;
  });
  container.append(form);
}

function commandMenu(area, menu) {
  const text = area.value;
  const typing = /^\/\S*$/.test(text);
  const matches = typing ? page.data.app.commands.filter((c) => c.name.startsWith(text)) : [];
  menu.hidden = !matches.length;
  menu.replaceChildren(...matches.map((command) => {
    const item = el("li", "command-item");
    item.setAttribute("role", "option");
    item.append(el("strong", "", command.name), el("span", "command-hint", ` ${command.usage_hint}`),
      el("div", "command-description", command.description), el("div", "command-app", page.data.bot.name));
    item.addEventListener("mousedown", (event) => event.preventDefault());
    item.addEventListener("click", () => {
      area.value = command.name + " ";
      menu.hidden = true;
      area.focus();
    });
    return item;
  }));
}

function shortcutsButton(shortcuts) {
  const wrapper = el("div", "shortcuts");
  const menu = el("div", "msg-menu");
  menu.hidden = true;
  menu.setAttribute("role", "menu");
  for (const shortcut of shortcuts) {
    const item = button(shortcut.name, "msg-menu-item", () => {
      menu.hidden = true;
      post("shortcut", { callback_id: shortcut.callback_id });
    });
    item.setAttribute("role", "menuitem");
    menu.append(item);
  }
  wrapper.append(button("⚡", "composer-shortcuts", () => {
    menu.hidden = !menu.hidden;
  }, "Shortcuts"), menu);
  return wrapper;
}

// ---------------------------------------------------------------------------- modals

function renderModal() {
  const root = $("#modal-root");
  const stack = page.data.modal;
  const top = stack.at(-1);
  if (!top) {
    root.replaceChildren();
    page.modal = { id: null, hash: null, node: null };
    return;
  }
  const key = `view:${top.id}`;
  if (page.modal.id === top.id && page.modal.hash === top.hash && page.modal.me === page.me && page.modal.node) {
    showErrors(page.modal.node, top.errors);  // response_action: errors keeps the view as it is
    return;
  }
  surfaceState(key, top.hash, top.view.blocks);
  const view = top.view;
  const overlay = el("div", "overlay");
  const dialog = el("div", "modal");
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.dataset.viewId = top.id;
  dialog.dataset.callbackId = view.callback_id ?? "";
  const title = el("h2", "modal-title");
  title.id = `modal-title-${top.id}`;
  title.append(renderPlain(view.title));
  dialog.setAttribute("aria-labelledby", title.id);
  const head = el("header", "modal-header");
  head.append(title, button("×", "modal-x", () => post("close", { view_id: top.id, how: "x" }), "Close"));
  const ctx = blockContext({ type: "view", view_id: top.id }, key, top.errors);
  const content = el("div", "modal-body");
  content.append(renderBlocks(view.blocks, ctx));
  const problem = el("div", "modal-problem");
  problem.setAttribute("role", "alert");
  const footer = el("footer", "modal-footer");
  footer.append(button(plainString(view.close) || "Cancel", "bk-button modal-close",
    () => post("close", { view_id: top.id, how: "cancel" })));
  if (view.submit) {
    const submit = button(plainString(view.submit), "bk-button bk-primary modal-submit",
      () => submitModal(top, key, dialog, submit));
    footer.append(submit);
  }
  dialog.append(head, content, problem, footer);
  overlay.append(dialog);
  root.replaceChildren(overlay);
  page.modal = { id: top.id, hash: top.hash, node: dialog, me: page.me };
  const focus = dialog.querySelector("[autofocus]") ?? dialog.querySelector("input, textarea, select");
  focus?.focus();
}

function showErrors(dialog, errors) {
  for (const input of dialog.querySelectorAll(".bk-input")) setError(input, errors?.[input.dataset.blockId]);
}

async function submitModal(top, key, dialog, submit) {
  const state = page.surfaces.get(key).state;
  const local = clientErrors(top.view.blocks, state);
  if (Object.keys(local).length) {
    showErrors(dialog, local);
    return;
  }
  showErrors(dialog, {});
  $(".modal-problem", dialog).textContent = "";
  submit.disabled = true;
  submit.setAttribute("aria-busy", "true");
  try {
    const answer = await post("submit", { view_id: top.id, state: state.collect(top.view.blocks) });
    if (!answer.ok) $(".modal-problem", dialog).textContent = answer.error;
  } finally {
    submit.disabled = false;
    submit.removeAttribute("aria-busy");
  }
}

// ---------------------------------------------------------------------------- requests panel

async function refreshTraffic() {
  const panel = $("#traffic");
  const response = await fetch("/api/traffic");
  const data = await response.json();
  const list = el("ol", "traffic-list");
  for (const delivery of data.to_bot.slice().reverse()) {
    const item = el("li", "traffic-item");
    const details = el("details");
    const summary = el("summary");
    summary.append(
      el("span", "traffic-kind", delivery.kind),
      el("span", "traffic-summary", delivery.summary),
      el("span", `traffic-status ${delivery.status === 200 ? "ok" : "bad"}`, delivery.status ? `HTTP ${delivery.status}` : "no answer"),
      el("span", "traffic-ms", `${delivery.millis} ms`),
    );
    details.append(summary, el("pre", "traffic-payload", JSON.stringify(delivery.payload, null, 2)));
    item.append(details);
    list.append(item);
  }
  const calls = el("ol", "traffic-calls");
  for (const call of data.web_api.slice(-30).reverse()) {
    calls.append(el("li", call.ok ? "" : "bad", `${call.method}${call.ok ? "" : " → " + call.error}`));
  }
  panel.replaceChildren(el("h2", "", "Requests Slack sent the bot"), list,
    el("h2", "", "Web API calls the bot made"), calls);
}

// Links to messages of this workspace (chat.getPermalink) open the message here, not on slack.com.
function openPermalink(href) {
  if (!page.data) return false;
  const match = new RegExp(`^https://${page.data.workspace.domain}\\.slack\\.com/archives/([A-Z0-9]+)/p(\\d+)$`)
    .exec(href);
  if (!match) return false;
  const [, channel, digits] = match;
  const ts = `${digits.slice(0, -6)}.${digits.slice(-6)}`;
  const message = (page.data.messages[channel] ?? []).find((m) => m.ts === ts);
  if (!message) {
    toast("That message is not there any more.", "error");
    return true;
  }
  const parent = message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : message.ts;
  go(channel === page.data.bot.dm ? "messages" : channel);
  openThread(channel, parent);
  return true;
}

// ---------------------------------------------------------------------------- start

function actAs(userId) {
  if (!userId || userId === page.me) return;
  page.me = userId;
  localStorage.setItem("amends-sandbox-acting-as", userId);
  const url = new URL(location.href);
  url.searchParams.set("as", userId);
  history.replaceState(null, "", url);
  page.revision = -1;
  page.data = null;
  page.thread = null;
  page.surfaces.clear();
  page.modal = { id: null, hash: null, node: null };
  $("#main").dataset.key = "";
  poll();
  if (page.route.kind === "app" && page.route.tab !== "about") post("home", { tab: page.route.tab });
}

function start() {
  page.route = routeFromHash();
  page.me = params.get("as") || localStorage.getItem("amends-sandbox-acting-as") || "U0ASSOC01";
  $("#acting-as").addEventListener("change", (event) => actAs(event.target.value));
  $("#traffic-toggle").addEventListener("click", () => {
    page.trafficOpen = !page.trafficOpen;
    $("#traffic").hidden = !page.trafficOpen;
    $("#traffic-toggle").setAttribute("aria-expanded", String(page.trafficOpen));
    if (page.trafficOpen) refreshTraffic();
  });
  window.addEventListener("hashchange", onRoute);
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a.mk-link");
    if (link && openPermalink(link.href)) event.preventDefault();
    // Close open menus when clicking elsewhere.
    for (const menu of document.querySelectorAll(".bk-menu:not([hidden]), .msg-menu:not([hidden])")) {
      if (!menu.parentElement.contains(event.target)) menu.hidden = true;
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && page.modal.id && !document.querySelector(".overlay-confirm")) {
      post("close", { view_id: page.modal.id, how: "x" });
    }
  });
  if (page.route.kind === "app" && page.route.tab !== "about") post("home", { tab: page.route.tab });
  poll();
}

document.title = emojify("Amends sandbox");
start();
