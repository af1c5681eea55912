// Block Kit, rendered as Slack shows it, for messages, modals and the Home tab.
//
// renderBlocks(blocks, ctx) builds DOM for any blocks the bot sends; nothing here knows Amends' own
// blocks, so new features show up without changes. Interactive elements keep what the person chose in
// ctx.state and report clicks and choices through ctx.act(block, element, {value, selected}), which the
// page turns into a block_actions request. Text always goes through mrkdwn.js (never innerHTML).
//
// ctx: { me, tz, people: {id: person}, channels: {id: channel}, surface, inModal, errors: {block_id: msg},
//        state: StateStore, act(block, element, detail) -> Promise, confirm(confirmObject) -> Promise<bool> }

import { plainString, renderPlain, renderText } from "./mrkdwn.js";

const SAFE_IMAGE = /^(https?:\/\/|data:image\/)/i;
let counter = 0;
const uid = (prefix) => `${prefix}-${++counter}`;

export const STATEFUL = new Set([
  "plain_text_input", "number_input", "email_text_input", "url_text_input", "static_select", "radio_buttons",
  "external_select", "multi_static_select", "checkboxes", "datetimepicker", "datepicker", "timepicker",
  "users_select", "multi_users_select", "conversations_select", "multi_conversations_select",
  "channels_select", "multi_channels_select",
]);
const MULTI = new Set(["multi_static_select", "checkboxes", "multi_users_select", "multi_conversations_select",
  "multi_channels_select"]);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------- state

// What the person has chosen on one surface, by block_id and action_id, in the simple forms the
// sandbox API takes (strings, lists, unix seconds for datetimes, null when empty).
export class StateStore {
  constructor(values = {}) {
    this.values = values;
  }

  has(blockId, actionId) {
    return Object.hasOwn(this.values[blockId] ?? {}, actionId);
  }

  get(blockId, element) {
    return this.has(blockId, element.action_id) ? this.values[blockId][element.action_id] : initialValue(element);
  }

  set(blockId, actionId, value) {
    (this.values[blockId] ??= {})[actionId] = value;
  }

  // Only what still fits the blocks (after views.update, Slack keeps input whose block and action remain).
  keepFor(blocks) {
    const kept = {};
    for (const { block, element } of elements(blocks)) {
      if (this.has(block.block_id, element.action_id)) {
        (kept[block.block_id] ??= {})[element.action_id] = this.values[block.block_id][element.action_id];
      }
    }
    return new StateStore(kept);
  }

  // {block_id: {action_id: value}} for every stateful element, as Slack sends `state.values`.
  collect(blocks) {
    const state = {};
    for (const { block, element } of elements(blocks)) {
      if (!STATEFUL.has(element.type) || !element.action_id) continue;
      let value = this.get(block.block_id, element);
      if (value === "") value = null;
      (state[block.block_id] ??= {})[element.action_id] = value;
    }
    return state;
  }
}

export function* elements(blocks) {
  for (const block of blocks ?? []) {
    if (block.type === "actions") for (const element of block.elements ?? []) yield { block, element };
    else if (block.type === "section" && block.accessory) yield { block, element: block.accessory };
    else if (block.type === "input" && block.element) yield { block, element: block.element };
  }
}

export function initialValue(element) {
  if (element.initial_option) return element.initial_option.value;
  if (element.initial_options) return element.initial_options.map((o) => o.value);
  for (const key of ["initial_value", "initial_date_time", "initial_date", "initial_time", "initial_user",
    "initial_conversation", "initial_channel", "initial_users", "initial_conversations", "initial_channels"]) {
    if (element[key] !== undefined) return element[key];
  }
  return MULTI.has(element.type) ? [] : null;
}

function isEmpty(value) {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
}

// ---------------------------------------------------------------------------- blocks

export function renderBlocks(blocks, ctx) {
  const container = el("div", "bk-blocks");
  for (const block of blocks ?? []) {
    const node = renderBlock(block, ctx);
    if (block.block_id) node.dataset.blockId = block.block_id;
    node.dataset.blockType = block.type;
    container.append(node);
  }
  return container;
}

function renderBlock(block, ctx) {
  switch (block.type) {
    case "header": {
      const node = el("div", "bk-header");
      node.setAttribute("role", "heading");
      node.setAttribute("aria-level", "3");
      node.append(renderPlain(block.text));
      return node;
    }
    case "section":
      return renderSection(block, ctx);
    case "divider":
      return el("hr", "bk-divider");
    case "context":
      return renderContext(block, ctx);
    case "actions": {
      const node = el("div", "bk-actions");
      for (const element of block.elements ?? []) node.append(renderElement(block, element, ctx));
      return node;
    }
    case "image":
      return renderImageBlock(block);
    case "input":
      return renderInput(block, ctx);
    case "rich_text":
      return renderRichText(block, ctx);
    case "markdown": {
      const node = el("div", "bk-section-text");
      node.append(renderText({ type: "mrkdwn", text: block.text }, ctx));
      return node;
    }
    default:
      return el("div", "bk-unsupported", `[${block.type} block: not shown in the sandbox]`);
  }
}

function renderSection(block, ctx) {
  const node = el("div", "bk-section");
  const main = el("div", "bk-section-main");
  if (block.text) {
    const text = el("div", "bk-section-text");
    text.append(renderText(block.text, ctx));
    main.append(text);
  }
  if (block.fields?.length) {
    const fields = el("div", "bk-fields");
    for (const field of block.fields) {
      const cell = el("div", "bk-field");
      cell.append(renderText(field, ctx));
      fields.append(cell);
    }
    main.append(fields);
  }
  node.append(main);
  if (block.accessory) {
    const accessory = el("div", "bk-accessory");
    accessory.append(renderElement(block, block.accessory, ctx));
    node.append(accessory);
  }
  return node;
}

function renderContext(block, ctx) {
  const node = el("div", "bk-context");
  for (const element of block.elements ?? []) {
    if (element.type === "image") node.append(image(element.image_url, element.alt_text, "bk-context-image"));
    else {
      const span = el("span", "bk-context-text");
      span.append(renderText(element, ctx));
      node.append(span);
    }
  }
  return node;
}

function image(url, alt, className) {
  if (!url || !SAFE_IMAGE.test(url)) return el("span", className + " bk-image-missing", alt ?? "");
  const node = el("img", className);
  node.src = url;
  node.alt = alt ?? "";
  node.loading = "lazy";
  node.referrerPolicy = "no-referrer";
  return node;
}

function renderImageBlock(block) {
  const figure = el("figure", "bk-image");
  if (block.title) {
    const caption = el("figcaption", "bk-image-title");
    caption.append(renderPlain(block.title));
    figure.append(caption);
  }
  figure.append(image(block.image_url, block.alt_text, "bk-image-img"));
  return figure;
}

function renderInput(block, ctx) {
  const node = el("div", "bk-input");
  const element = block.element ?? {};
  const controlId = uid("input");
  const label = el("label", "bk-label");
  label.htmlFor = controlId;
  label.append(renderPlain(block.label));
  if (block.optional) label.append(el("span", "bk-optional", " (optional)"));
  node.append(label);
  node.append(renderElement(block, element, ctx, { controlId, label: plainString(block.label) }));
  if (block.hint) {
    const hint = el("div", "bk-hint");
    hint.append(renderPlain(block.hint));
    node.append(hint);
  }
  const error = el("div", "bk-error");
  error.setAttribute("role", "alert");
  node.append(error);
  setError(node, ctx.errors?.[block.block_id]);
  return node;
}

export function setError(inputNode, message) {
  const error = inputNode.querySelector(":scope > .bk-error");
  if (!error) return;
  error.textContent = message ?? "";
  inputNode.classList.toggle("bk-has-error", Boolean(message));
  for (const control of inputNode.querySelectorAll("input, select, textarea")) {
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
}

// ---------------------------------------------------------------------------- elements

// Elements in input blocks only tell the app about changes when the block asks (dispatch_action).
function dispatches(block) {
  return block.type !== "input" || block.dispatch_action === true;
}

function renderElement(block, element, ctx, input = {}) {
  const node = renderElementInner(block, element, ctx, input);
  node.dataset.actionId = element.action_id ?? "";
  node.classList.add("bk-element");
  return node;
}

function renderElementInner(block, element, ctx, input) {
  switch (element.type) {
    case "button":
      return renderButton(block, element, ctx);
    case "overflow":
      return renderOverflow(block, element, ctx);
    case "image":
      return image(element.image_url, element.alt_text, "bk-accessory-image");
    case "static_select":
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
      return renderSelect(block, element, ctx, input);
    case "multi_static_select":
    case "multi_external_select":
    case "multi_users_select":
    case "multi_conversations_select":
    case "multi_channels_select":
      return renderMultiSelect(block, element, ctx, input);
    case "checkboxes":
    case "radio_buttons":
      return renderChoices(block, element, ctx, input);
    case "datepicker":
    case "timepicker":
      return renderPicker(block, element, ctx, input);
    case "datetimepicker":
      return renderDateTimePicker(block, element, ctx, input);
    case "plain_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      return renderTextInput(block, element, ctx, input);
    default:
      return el("span", "bk-unsupported", `[${element.type}: not shown in the sandbox]`);
  }
}

async function send(block, element, ctx, detail, node) {
  if (element.confirm && !(await ctx.confirm(element.confirm))) return false;
  node?.setAttribute("aria-busy", "true");
  try {
    await ctx.act(block, element, detail);
  } finally {
    node?.removeAttribute("aria-busy");
  }
  return true;
}

// A button's (or menu option's) link: the page opens links to its own messages itself (ctx.openLink), as
// it does for links in messages; anything else on the web opens in a new tab, as in Slack.
function openUrl(url, ctx) {
  if (ctx.openLink?.(url)) return;
  if (/^https?:\/\//i.test(url)) window.open(url, "_blank", "noopener,noreferrer");
}

function renderButton(block, element, ctx) {
  const button = el("button", "bk-button");
  button.type = "button";
  if (element.style === "primary") button.classList.add("bk-primary");
  if (element.style === "danger") button.classList.add("bk-danger");
  if (element.accessibility_label) button.setAttribute("aria-label", element.accessibility_label);
  button.append(renderPlain(element.text));
  button.addEventListener("click", async () => {
    if (element.confirm && !(await ctx.confirm(element.confirm))) return;
    if (element.url) openUrl(element.url, ctx);
    button.disabled = true;
    try {
      await ctx.act(block, element, { value: element.value ?? null });
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function renderOverflow(block, element, ctx) {
  const wrapper = el("div", "bk-overflow");
  const toggle = el("button", "bk-button bk-overflow-toggle", "⋮");
  toggle.type = "button";
  toggle.setAttribute("aria-label", "More options");
  toggle.setAttribute("aria-haspopup", "menu");
  const menu = el("div", "bk-menu");
  menu.setAttribute("role", "menu");
  menu.hidden = true;
  for (const option of element.options ?? []) {
    const item = el("button", "bk-menu-item");
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.append(renderPlain(option.text));
    item.addEventListener("click", async () => {
      menu.hidden = true;
      if (option.url) openUrl(option.url, ctx);
      await send(block, element, ctx, { selected: option.value }, wrapper);
    });
    menu.append(item);
  }
  toggle.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
  });
  wrapper.append(toggle, menu);
  return wrapper;
}

function optionsOf(element, ctx) {
  switch (element.type) {
    case "users_select":
    case "multi_users_select":
      return [{ options: ctx.peopleList.filter((p) => !p.is_bot).map((p) => ({ value: p.id, label: p.real_name })) }];
    case "conversations_select":
    case "multi_conversations_select":
    case "channels_select":
    case "multi_channels_select":
      return [{ options: ctx.channelList.map((c) => ({ value: c.id, label: "#" + c.name })) }];
    default: {
      const plain = (o) => ({ value: o.value, label: plainString(o.text), description: plainString(o.description) });
      if (element.option_groups) {
        return element.option_groups.map((g) => ({ label: plainString(g.label), options: g.options.map(plain) }));
      }
      return [{ options: (element.options ?? []).map(plain) }];
    }
  }
}

function fillSelect(select, groups, placeholder) {
  const empty = el("option", "", placeholder || "Select an item");
  empty.value = "";
  select.append(empty);
  for (const group of groups) {
    const parent = group.label ? el("optgroup") : select;
    if (group.label) {
      parent.label = group.label;
      select.append(parent);
    }
    for (const option of group.options) {
      const node = el("option", "", option.label);
      node.value = option.value;
      if (option.description) node.title = option.description;
      parent.append(node);
    }
  }
}

function renderSelect(block, element, ctx, input) {
  const select = el("select", "bk-select");
  if (input.controlId) select.id = input.controlId;
  else select.setAttribute("aria-label", plainString(element.placeholder) || "Select an item");
  fillSelect(select, optionsOf(element, ctx), plainString(element.placeholder));
  if (element.type === "external_select") select.disabled = true;  // options come from the app: not in the sandbox
  select.value = ctx.state.get(block.block_id, element) ?? "";
  select.addEventListener("change", async () => {
    const previous = ctx.state.get(block.block_id, element);
    const value = select.value || null;
    ctx.state.set(block.block_id, element.action_id, value);
    if (dispatches(block) && value !== null) {
      const sent = await send(block, element, ctx, { selected: value }, select);
      if (!sent) {
        ctx.state.set(block.block_id, element.action_id, previous);
        select.value = previous ?? "";
      }
    }
  });
  return select;
}

function renderMultiSelect(block, element, ctx, input) {
  const wrapper = el("div", "bk-multi");
  const chips = el("div", "bk-chips");
  const add = el("select", "bk-select");
  if (input.controlId) add.id = input.controlId;
  else add.setAttribute("aria-label", plainString(element.placeholder) || "Select items");
  const groups = optionsOf(element, ctx);
  const labels = new Map(groups.flatMap((g) => g.options.map((o) => [o.value, o.label])));
  const draw = () => {
    const chosen = ctx.state.get(block.block_id, element) ?? [];
    chips.replaceChildren();
    for (const value of chosen) {
      const chip = el("span", "bk-chip", labels.get(value) ?? value);
      const remove = el("button", "bk-chip-remove", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", `Remove ${labels.get(value) ?? value}`);
      remove.addEventListener("click", () => change(chosen.filter((v) => v !== value)));
      chip.append(remove);
      chips.append(chip);
    }
    add.replaceChildren();
    const left = groups.map((g) => ({ ...g, options: g.options.filter((o) => !chosen.includes(o.value)) }));
    fillSelect(add, left, plainString(element.placeholder) || "Add…");
    add.value = "";
  };
  const change = async (values) => {
    if (element.max_selected_items && values.length > element.max_selected_items) return;
    ctx.state.set(block.block_id, element.action_id, values);
    draw();
    if (dispatches(block)) await send(block, element, ctx, { selected: values }, wrapper);
  };
  add.addEventListener("change", () => {
    if (add.value) change([...(ctx.state.get(block.block_id, element) ?? []), add.value]);
  });
  draw();
  wrapper.append(chips, add);
  return wrapper;
}

function renderChoices(block, element, ctx, input) {
  const multiple = element.type === "checkboxes";
  const group = el("div", multiple ? "bk-checkboxes" : "bk-radios");
  group.setAttribute("role", multiple ? "group" : "radiogroup");
  if (input.label) group.setAttribute("aria-label", input.label);
  const name = uid("choice");
  const chosen = () => {
    const value = ctx.state.get(block.block_id, element);
    return multiple ? (value ?? []) : value;
  };
  (element.options ?? []).forEach((option, index) => {
    const row = el("label", "bk-choice");
    const box = el("input");
    box.type = multiple ? "checkbox" : "radio";
    box.name = name;
    box.value = option.value;
    if (input.controlId && index === 0) box.id = input.controlId;
    box.checked = multiple ? chosen().includes(option.value) : chosen() === option.value;
    const text = el("span", "bk-choice-text");
    text.append(renderText(option.text, ctx));
    if (option.description) {
      const description = el("span", "bk-choice-description");
      description.append(renderText(option.description, ctx));
      text.append(description);
    }
    box.addEventListener("change", () => {
      const value = multiple
        ? [...group.querySelectorAll("input:checked")].map((b) => b.value)
        : option.value;
      ctx.state.set(block.block_id, element.action_id, value);
      if (dispatches(block)) send(block, element, ctx, { selected: value }, group);
    });
    row.append(box, text);
    group.append(row);
  });
  return group;
}

function renderPicker(block, element, ctx, input) {
  const picker = el("input", "bk-picker");
  picker.type = element.type === "datepicker" ? "date" : "time";
  if (input.controlId) picker.id = input.controlId;
  else picker.setAttribute("aria-label", plainString(element.placeholder) || (picker.type === "date" ? "Date" : "Time"));
  picker.value = ctx.state.get(block.block_id, element) ?? "";
  picker.addEventListener("change", () => {
    const value = picker.value || null;
    ctx.state.set(block.block_id, element.action_id, value);
    if (dispatches(block) && value) send(block, element, ctx, { selected: value }, picker);
  });
  return picker;
}

// datetimepicker: a date and a time in the person's own timezone, sent as unix seconds.
function renderDateTimePicker(block, element, ctx, input) {
  const wrapper = el("div", "bk-datetime");
  const day = el("input", "bk-picker");
  day.type = "date";
  const time = el("input", "bk-picker");
  time.type = "time";
  const name = input.label || "Date and time";
  if (input.controlId) day.id = input.controlId;
  day.setAttribute("aria-label", `${name} (date)`);
  time.setAttribute("aria-label", `${name} (time)`);
  const current = ctx.state.get(block.block_id, element);
  if (current !== null && current !== undefined) {
    const local = wallClock(Number(current), ctx.tz);
    day.value = local.date;
    time.value = local.time;
  }
  const change = () => {
    const value = day.value && time.value ? fromWallClock(day.value, time.value, ctx.tz) : null;
    ctx.state.set(block.block_id, element.action_id, value);
    if (dispatches(block) && value !== null) send(block, element, ctx, { selected: value }, wrapper);
  };
  day.addEventListener("change", change);
  time.addEventListener("change", change);
  wrapper.append(day, time);
  return wrapper;
}

function zoneParts(millis, tz) {
  const out = {};
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23",
  });
  for (const part of format.formatToParts(new Date(millis))) out[part.type] = part.value;
  return out;
}

export function wallClock(seconds, tz) {
  const p = zoneParts(seconds * 1000, tz);
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

// The instant when the clocks in `tz` show `date` `time` (the first one, across a DST change).
export function fromWallClock(date, time, tz) {
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const p = zoneParts(guess, tz);
    const shown = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
    guess += wanted - shown;
  }
  return Math.round(guess / 1000);
}

function renderTextInput(block, element, ctx, input) {
  const multiline = element.type === "plain_text_input" && element.multiline;
  const field = el(multiline ? "textarea" : "input", "bk-text-input");
  if (!multiline) {
    field.type = { number_input: "number", email_text_input: "email", url_text_input: "url" }[element.type] ?? "text";
  }
  if (element.type === "number_input") {
    field.step = element.is_decimal_allowed ? "any" : "1";
    if (element.min_value !== undefined) field.min = element.min_value;
    if (element.max_value !== undefined) field.max = element.max_value;
    field.inputMode = element.is_decimal_allowed ? "decimal" : "numeric";
  }
  if (element.max_length) field.maxLength = element.max_length;
  if (input.controlId) field.id = input.controlId;
  else field.setAttribute("aria-label", plainString(element.placeholder) || "Text");
  if (element.placeholder) field.placeholder = plainString(element.placeholder);
  field.value = ctx.state.get(block.block_id, element) ?? "";
  if (element.focus_on_load) field.autofocus = true;
  const triggers = element.dispatch_action_config?.trigger_actions_on ?? ["on_enter_pressed"];
  field.addEventListener("input", () => {
    ctx.state.set(block.block_id, element.action_id, field.value);
    if (dispatches(block) && block.type === "input" && triggers.includes("on_character_entered")) {
      clearTimeout(field._dispatchTimer);
      field._dispatchTimer = setTimeout(() => send(block, element, ctx, { selected: field.value }, field), 400);
    }
  });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !(multiline && event.shiftKey) && dispatches(block)
        && triggers.includes("on_enter_pressed")) {
      event.preventDefault();
      send(block, element, ctx, { selected: field.value }, field);
    }
  });
  return field;
}

// What Slack's client checks before it sends a view_submission: {block_id: message}.
export function clientErrors(blocks, state) {
  const errors = {};
  for (const block of blocks ?? []) {
    if (block.type !== "input" || !block.element) continue;
    const element = block.element;
    const value = state.get(block.block_id, element);
    if (isEmpty(value)) {
      if (!block.optional) errors[block.block_id] = "Please fill out this field.";
      continue;
    }
    if (element.type === "plain_text_input" && element.min_length && String(value).length < element.min_length) {
      errors[block.block_id] = `Please enter at least ${element.min_length} characters.`;
    } else if (element.type === "number_input") {
      const number = Number(value);
      if (!Number.isFinite(number) || (!element.is_decimal_allowed && !Number.isInteger(number))) {
        errors[block.block_id] = element.is_decimal_allowed ? "Please enter a number." : "Please enter a whole number.";
      } else if (element.min_value !== undefined && number < Number(element.min_value)) {
        errors[block.block_id] = `Please enter a number of at least ${element.min_value}.`;
      } else if (element.max_value !== undefined && number > Number(element.max_value)) {
        errors[block.block_id] = `Please enter a number of at most ${element.max_value}.`;
      }
    } else if (element.type === "email_text_input" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
      errors[block.block_id] = "Please enter an email address.";
    } else if (element.type === "url_text_input" && !/^https?:\/\/\S+$/i.test(value)) {
      errors[block.block_id] = "Please enter a URL.";
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------- rich_text

function renderRichText(block, ctx) {
  const node = el("div", "bk-rich-text");
  for (const element of block.elements ?? []) node.append(renderRichElement(element, ctx));
  return node;
}

function renderRichElement(element, ctx) {
  switch (element.type) {
    case "rich_text_section": {
      const node = el("div", "rt-section");
      for (const inline of element.elements ?? []) node.append(renderRichInline(inline, ctx));
      return node;
    }
    case "rich_text_list": {
      const node = el(element.style === "ordered" ? "ol" : "ul", "rt-list");
      for (const item of element.elements ?? []) {
        const li = el("li");
        li.append(renderRichElement(item, ctx));
        node.append(li);
      }
      return node;
    }
    case "rich_text_preformatted": {
      const node = el("pre", "mk-pre");
      for (const inline of element.elements ?? []) node.append(renderRichInline(inline, ctx));
      return node;
    }
    case "rich_text_quote": {
      const node = el("blockquote", "mk-quote");
      for (const inline of element.elements ?? []) node.append(renderRichInline(inline, ctx));
      return node;
    }
    default:
      return el("span", "bk-unsupported", `[${element.type}]`);
  }
}

function renderRichInline(inline, ctx) {
  const escaped = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  let node;
  switch (inline.type) {
    case "text": {
      const lines = String(inline.text ?? "").split("\n");
      node = document.createDocumentFragment();
      lines.forEach((line, index) => {
        if (index) node.append(el("br"));
        node.append(document.createTextNode(line));
      });
      break;
    }
    case "link":
      node = renderText({ type: "mrkdwn", text: `<${escaped(inline.url)}|${escaped(inline.text ?? inline.url)}>` }, ctx);
      break;
    case "user":
      node = renderText({ type: "mrkdwn", text: `<@${inline.user_id}>` }, ctx);
      break;
    case "channel":
      node = renderText({ type: "mrkdwn", text: `<#${inline.channel_id}>` }, ctx);
      break;
    case "usergroup":
      node = renderText({ type: "mrkdwn", text: `<!subteam^${inline.usergroup_id}>` }, ctx);
      break;
    case "broadcast":
      node = renderText({ type: "mrkdwn", text: `<!${inline.range}>` }, ctx);
      break;
    case "emoji":
      node = renderPlain({ type: "plain_text", text: `:${inline.name}:` });
      break;
    case "date":
      node = renderText({ type: "mrkdwn", text: `<!date^${inline.timestamp}^${inline.format}|${inline.fallback ?? ""}>` }, ctx);
      break;
    default:
      node = document.createTextNode(inline.text ?? "");
  }
  const style = inline.style ?? {};
  for (const [flag, tag] of [["code", "code"], ["strike", "del"], ["italic", "em"], ["bold", "strong"]]) {
    if (style[flag]) {
      const wrapper = el(tag, flag === "code" ? "mk-code" : "");
      wrapper.append(node);
      node = wrapper;
    }
  }
  return node;
}
