// Slack's mrkdwn and plain_text, rendered to DOM nodes.
//
// SAFETY: text from Slack is never parsed as HTML. Every piece of it reaches the page through
// document.createTextNode / textContent, and links only get http(s) and mailto hrefs. A customer called
// `<script>` or `<img onerror=…>` is shown exactly as typed.
//
// What is understood, as Slack does: *bold*, _italic_, ~strike~, `code`, ```preformatted```, > quotes,
// <url|links>, <@U…> and <#C…> mentions, <!here>/<!channel>/<!everyone>, <!subteam^S…>, <!date^…>,
// :emoji:, line breaks, and the three escaped entities &amp; &lt; &gt;.

import { EMOJI } from "./emoji.js";

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };
// Characters from Unicode's private use area mark where an atom (a link, mention or code span) was
// lifted out of the text, so style markers never match inside one.
const OPEN = "\uE000";
const CLOSE = "\uE001";
const ATOM = /\uE000(\d+)\uE001/g;
const STYLES = [
  { tag: "strong", re: /(?<![\p{L}\p{N}*])\*(?!\s)([^*\n]*?[^\s*])\*(?![\p{L}\p{N}*])/u },
  { tag: "em", re: /(?<![\p{L}\p{N}_])_(?!\s)([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])/u },
  { tag: "del", re: /(?<![\p{L}\p{N}~])~(?!\s)([^~\n]*?[^\s~])~(?![\p{L}\p{N}~])/u },
];
const SAFE_URL = /^(https?:\/\/|mailto:)/i;

export function decodeEntities(text) {
  return text.replace(/&(amp|lt|gt);/g, (entity) => ENTITIES[entity]);
}

export function emojify(text) {
  return text.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => EMOJI[name] ?? whole);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A text object ({type: "mrkdwn"|"plain_text", text, emoji, verbatim}) as a DocumentFragment.
export function renderText(object, ctx) {
  if (!object) return document.createDocumentFragment();
  if (typeof object === "string") return renderMrkdwn(object, ctx);
  return object.type === "plain_text" ? renderPlain(object) : renderMrkdwn(object.text ?? "", ctx);
}

// plain_text: shown as written (no entities, no formatting); emoji shortcodes when emoji isn't false.
export function renderPlain(object) {
  const fragment = document.createDocumentFragment();
  const text = String(object?.text ?? "");
  appendLines(fragment, object?.emoji === false ? text : emojify(text));
  return fragment;
}

export function plainString(object) {
  if (!object) return "";
  const text = String(object.text ?? "");
  return object.type === "plain_text" && object.emoji !== false ? emojify(text) : text;
}

function appendLines(parent, text) {
  text.split("\n").forEach((line, index) => {
    if (index) parent.append(el("br"));
    if (line) parent.append(document.createTextNode(line));
  });
}

export function renderMrkdwn(text, ctx = {}) {
  const fragment = document.createDocumentFragment();
  const source = String(text).replace(/[\uE000\uE001]/g, "\uFFFD");
  // ```preformatted``` blocks first: nothing inside them is formatted.
  const parts = source.split(/```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1 && index < parts.length - 1) {
      fragment.append(el("pre", "mk-pre", decodeEntities(part.replace(/^\n/, ""))));
    } else {
      const rest = index % 2 === 1 ? "```" + part : part;
      renderParagraphs(fragment, rest, ctx);
    }
  });
  return fragment;
}

// Lines starting with ">" (a raw one: a person's "&gt;" stays text) are grouped into quotes.
function renderParagraphs(parent, text, ctx) {
  const lines = text.split("\n");
  let quote = null;
  let plain = [];
  const flushPlain = () => {
    if (plain.length) {
      const span = document.createDocumentFragment();
      renderInline(span, plain.join("\n"), ctx);
      parent.append(span);
      plain = [];
    }
  };
  lines.forEach((line, index) => {
    if (line.startsWith(">")) {
      flushPlain();
      if (!quote) {
        quote = el("blockquote", "mk-quote");
        parent.append(quote);
      } else {
        quote.append(el("br"));
      }
      renderInline(quote, line.replace(/^> ?/, ""), ctx);
    } else {
      quote = null;
      plain.push(line);
      if (index === lines.length - 1) flushPlain();
    }
  });
  flushPlain();
}

function renderInline(parent, text, ctx) {
  const atoms = [];
  const lifted = text
    .replace(/`([^`\n]+)`/g, (_, code) => {
      atoms.push({ kind: "code", text: code });
      return OPEN + (atoms.length - 1) + CLOSE;
    })
    .replace(/<([^<>\n]+)>/g, (_, token) => {
      atoms.push({ kind: "token", text: token });
      return OPEN + (atoms.length - 1) + CLOSE;
    });
  renderStyled(parent, lifted, atoms, ctx);
}

function renderStyled(parent, text, atoms, ctx) {
  let rest = text;
  while (rest) {
    let best = null;
    for (const style of STYLES) {
      const match = style.re.exec(rest);
      if (match && (best === null || match.index < best.match.index)) best = { style, match };
    }
    if (!best) {
      appendAtoms(parent, rest, atoms, ctx);
      return;
    }
    appendAtoms(parent, rest.slice(0, best.match.index), atoms, ctx);
    const wrapper = el(best.style.tag);
    renderStyled(wrapper, best.match[1], atoms, ctx);
    parent.append(wrapper);
    rest = rest.slice(best.match.index + best.match[0].length);
  }
}

function appendAtoms(parent, text, atoms, ctx) {
  let last = 0;
  for (const match of text.matchAll(ATOM)) {
    appendLines(parent, emojify(decodeEntities(text.slice(last, match.index))));
    const atom = atoms[Number(match[1])];
    parent.append(atom.kind === "code" ? el("code", "mk-code", decodeEntities(atom.text)) : renderToken(atom.text, ctx));
    last = match.index + match[0].length;
  }
  appendLines(parent, emojify(decodeEntities(text.slice(last))));
}

// <…>: a mention, a special command, a date or a link.
function renderToken(token, ctx) {
  const [target, ...labelParts] = token.split("|");
  const label = labelParts.length ? decodeEntities(labelParts.join("|")) : null;
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const person = ctx.people?.[id];
    const node = el("span", "mk-mention", "@" + (person?.real_name ?? label ?? id));
    node.dataset.user = id;
    if (id === ctx.me) node.classList.add("mk-me");
    return node;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const channel = ctx.channels?.[id];
    const node = el("a", "mk-channel", "#" + (channel?.name ?? label ?? id));
    node.href = "#" + id;
    node.dataset.channel = id;
    return node;
  }
  if (target.startsWith("!")) return renderSpecial(target.slice(1), label, ctx);
  const url = decodeEntities(target);
  if (!SAFE_URL.test(url)) return document.createTextNode(label ?? url);
  const link = el("a", "mk-link", label ?? url.replace(/^mailto:/i, ""));
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

function renderSpecial(command, label, ctx) {
  if (["here", "channel", "everyone"].includes(command)) {
    return el("span", "mk-mention mk-broadcast", "@" + command);
  }
  if (command.startsWith("subteam^")) {
    return el("span", "mk-mention", label ?? "@" + command.slice("subteam^".length));
  }
  if (command.startsWith("date^")) {
    const [, stamp, format, link] = command.split("^");
    const seconds = Number(stamp);
    const shown = Number.isFinite(seconds) ? formatSlackDate(seconds, format ?? "", ctx.tz) : (label ?? "");
    const node = el("time", "mk-date", shown);
    if (Number.isFinite(seconds)) node.dateTime = new Date(seconds * 1000).toISOString();
    if (label) node.title = label;
    if (link && SAFE_URL.test(decodeEntities(link))) {
      const anchor = el("a", "mk-link");
      anchor.href = decodeEntities(link);
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      anchor.append(node);
      return anchor;
    }
    return node;
  }
  return document.createTextNode(label ?? "");
}

// ---------------------------------------------------------------------------- <!date^…> tokens

function parts(date, tz, options) {
  const out = {};
  for (const part of new Intl.DateTimeFormat("en-US", { timeZone: tz, ...options }).formatToParts(date)) {
    out[part.type] = part.value;
  }
  return out;
}

function ordinal(day) {
  const n = Number(day);
  const suffix = n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th";
  return n + suffix;
}

function dayNumber(date, tz) {
  const p = parts(date, tz, { year: "numeric", month: "2-digit", day: "2-digit" });
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day)) / 86400000;
}

function relativeDay(date, tz, now) {
  const diff = dayNumber(date, tz) - dayNumber(now, tz);
  return diff === 0 ? "Today" : diff === -1 ? "Yesterday" : diff === 1 ? "Tomorrow" : null;
}

function ago(date, now) {
  const seconds = Math.round((date - now) / 1000);
  const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    const value = Math.trunc(seconds / size);
    if (value) return new Intl.RelativeTimeFormat("en", { numeric: "auto" }).format(value, unit);
  }
  return "just now";
}

export function formatSlackDate(seconds, format, tz = "UTC", now = new Date()) {
  const date = new Date(seconds * 1000);
  const p = parts(date, tz, {
    weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit",
    second: "2-digit", hour12: true,
  });
  const short = parts(date, tz, { month: "short", day: "numeric", year: "numeric" });
  const num = parts(date, tz, { year: "numeric", month: "2-digit", day: "2-digit" });
  const tokens = {
    date_num: `${num.year}-${num.month}-${num.day}`,
    date: `${p.month} ${ordinal(p.day)}, ${p.year}`,
    date_short: `${short.month} ${short.day}, ${short.year}`,
    date_long: `${p.weekday}, ${p.month} ${ordinal(p.day)}, ${p.year}`,
    time: `${p.hour}:${p.minute} ${p.dayPeriod}`,
    time_secs: `${p.hour}:${p.minute}:${p.second} ${p.dayPeriod}`,
    ago: ago(date, now),
  };
  const relative = relativeDay(date, tz, now);
  tokens.date_pretty = relative ?? tokens.date;
  tokens.date_short_pretty = relative ?? tokens.date_short;
  tokens.date_long_pretty = relative ?? tokens.date_long;
  tokens.day_divider_pretty = relative ?? tokens.date_long;
  return format.replace(/\{(\w+)\}/g, (whole, name) => tokens[name] ?? whole);
}
