/**
 * The phone simulator: a corp and employee picker, the mini program's employee card, fault toggles and a trace of
 * what each action did on the phone, at the gateway and at WeCom. Its chrome speaks the browser's language.
 */
import type { Employee } from '@wecom-auth/miniprogram';
import { ActionRecorder } from './action-recorder.js';
import { byId, el } from './dom-builder.js';
import { type DirectoryApp, type DirectoryCorp, type DirectoryUser, sandboxApi } from './sandbox-api.js';
import { type Phone, SimulatedPhones } from './simulated-phones.js';
import { applyStaticText, text } from './simulator-text.js';
import { mountSuitePanel } from './suite-panel.js';
import { TracePanel, type TraceStep } from './trace-panel.js';

const BUSY_FAULT = { path: '/cgi-bin/miniprogram/jscode2session', errcode: -1, count: 2 };
const SLOW_FAULT = { path: '*', delayMs: 800 };
/** How long a toast stays: long enough to read an error, short enough not to linger over the next action. */
const TOAST_MS = { ok: 4000, info: 6000, error: 8000 } as const;

/** A mobile the employee shared through `wx.qy.getMobile`, with whose word it is (the decrypt answer's `source`). */
interface SharedMobile {
  readonly value: string;
  readonly source: 'wecom' | 'client';
}

const ui = {
  body: byId<HTMLDivElement>('screen-body'),
  title: byId<HTMLHeadingElement>('app-title'),
  back: byId<HTMLButtonElement>('back-button'),
  corpSelect: byId<HTMLSelectElement>('corp-select'),
  corpHint: byId<HTMLParagraphElement>('corp-hint'),
  search: byId<HTMLInputElement>('search'),
  list: byId<HTMLUListElement>('employee-list'),
  open: byId<HTMLButtonElement>('open-button'),
  picker: byId<HTMLElement>('picker-view'),
  app: byId<HTMLElement>('app-view'),
  card: byId<HTMLDivElement>('employee-card'),
  mobile: byId<HTMLButtonElement>('mobile-button'),
  refresh: byId<HTMLButtonElement>('refresh-button'),
  logout: byId<HTMLButtonElement>('logout-button'),
  status: byId<HTMLDivElement>('status'),
  gatewayUrl: byId<HTMLElement>('gateway-url'),
  gatewayState: byId<HTMLSpanElement>('gateway-state'),
  gatewayHealth: byId<HTMLParagraphElement>('gateway-health'),
  appAge: byId<HTMLInputElement>('app-age'),
  appAgeApp: byId<HTMLParagraphElement>('app-age-app'),
  gatewayHint: byId<HTMLParagraphElement>('gateway-hint'),
  busy: byId<HTMLInputElement>('fault-busy'),
  slow: byId<HTMLInputElement>('fault-slow'),
  expire: byId<HTMLButtonElement>('expire-button'),
  traceClear: byId<HTMLButtonElement>('trace-clear'),
  clock: byId<HTMLSpanElement>('clock'),
};

let corps: DirectoryCorp[] = [];
let miniProgram: { appId: string; name: string } | undefined;
/** The corp shown in the picker. */
let corp: DirectoryCorp | undefined;
let selected: DirectoryUser | undefined;
let phones: SimulatedPhones | undefined;
/** The phone whose mini program is open. */
let inHand: Phone | undefined;
/** The mobile the employee in hand shared, while their mini program stays open. */
let shared: SharedMobile | undefined;
let slowFaultId: string | undefined;
let working = false;

function corpById(corpId: string): DirectoryCorp | undefined {
  return corps.find((candidate) => candidate.corpId === corpId);
}

const trace = new TracePanel(byId<HTMLOListElement>('trace-list'), (corpId) => corpById(corpId)?.name);
const recorder = new ActionRecorder({ trace, corpById, calls: sandboxApi.calls });

function departmentNames(of: DirectoryCorp | undefined, ids: readonly number[]): string {
  const names = ids.map((id) => of?.departments.find((dept) => dept.id === id)?.name ?? `#${id}`);
  return names.join(' / ');
}

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const wecom = (error as { wecom?: { errcode: number; errmsg: string } }).wecom;
    const suffix = wecom === undefined ? '' : ` (WeCom errcode ${wecom.errcode})`;
    return { code: typeof code === 'string' ? code : error.name, message: `${error.message}${suffix}` };
  }
  return { code: 'error', message: String(error) };
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** Shows a message over the top of the screen (never over the buttons at its foot); every tone fades. */
function toast(message: string, tone: 'ok' | 'error' | 'info'): void {
  ui.status.textContent = message;
  ui.status.dataset.tone = tone;
  ui.status.classList.add('is-visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(hideToast, TOAST_MS[tone]);
}

/** Takes the message away: it fades, or the view it spoke about gave way to another. */
function hideToast(): void {
  clearTimeout(toastTimer);
  ui.status.classList.remove('is-visible');
}

function setWorking(on: boolean): void {
  working = on;
  ui.body.setAttribute('aria-busy', String(on));
  for (const button of [ui.mobile, ui.refresh, ui.logout, ui.back, ui.expire]) button.disabled = on;
  ui.appAge.disabled = on || gatewayApp() === undefined;
  ui.open.disabled = on || selected === undefined || corp === undefined;
  ui.corpSelect.disabled = on || corps.length === 0;
}

/** Runs one user action, then shows what it cost in WeCom calls. */
async function act(label: string, work: () => Promise<string>): Promise<void> {
  if (working) return;
  setWorking(true);
  toast(text.working(label), 'info');
  recorder.begin();
  let outcome: string;
  try {
    toast(await work(), 'ok');
    outcome = 'ok';
  } catch (error) {
    const { code, message } = describe(error);
    toast(message, 'error');
    outcome = code;
  }
  const steps: TraceStep[] = recorder.end();
  try {
    const late = trace.take(await sandboxApi.calls());
    if (late.length > 0) steps.push({ kind: 'wecom', calls: late });
  } catch (error) {
    toast(text.sandboxSilent(describe(error).message), 'error');
  }
  trace.add(label, outcome, steps);
  setWorking(false);
}

function avatarOf(corpId: string, userid: string, url: string | undefined): HTMLImageElement {
  // A userid is unique only inside its corp: the sandbox draws the avatar of this corp's member.
  const fallback = `/avatars/${encodeURIComponent(userid)}.svg?corpid=${encodeURIComponent(corpId)}`;
  const img = el('img', { class: 'avatar', src: url || fallback, alt: '', width: '44', height: '44' });
  return img;
}

function renderList(): void {
  const shown = corp;
  if (shown === undefined) return;
  const needle = ui.search.value.trim().toLowerCase();
  const users = shown.users.filter((user) => {
    if (needle === '') return true;
    const haystack = [user.name, user.userid, user.position, departmentNames(shown, user.department)];
    return haystack.some((field) => field.toLowerCase().includes(needle));
  });
  // A selection the search hides is dropped: the open button must never name someone the list does not show.
  if (selected !== undefined && !users.includes(selected)) {
    selected = undefined;
    updateOpenButton();
  }
  ui.list.replaceChildren(
    ...users.map((user) => {
      const status = text.statusLabels[user.status];
      const isSelected = selected?.userid === user.userid;
      return el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: `employee${isSelected ? ' is-selected' : ''}`,
            'aria-pressed': String(isSelected),
            'data-userid': user.userid,
            onclick: () => {
              selected = user;
              renderList();
              updateOpenButton();
            },
            ondblclick: () => {
              void openMiniProgram();
            },
          },
          avatarOf(shown.corpId, user.userid, user.thumb_avatar || user.avatar),
          el(
            'span',
            { class: 'employee-text' },
            el(
              'span',
              { class: 'employee-name' },
              user.name,
              status ? el('em', { class: 'badge' }, status) : null,
            ),
            el(
              'span',
              { class: 'employee-meta' },
              joinPresent([user.position, departmentNames(shown, user.department)]),
            ),
          ),
        ),
      );
    }),
  );
  if (users.length === 0) ui.list.append(el('li', { class: 'empty' }, text.nobodyMatches));
}

/** The parts that say something, joined: no separator dangles beside an empty one. */
function joinPresent(parts: readonly (string | undefined)[]): string {
  return parts
    .map((part) => part?.trim() ?? '')
    .filter((part) => part !== '')
    .join(' · ');
}

function updateOpenButton(): void {
  ui.open.textContent = selected === undefined ? text.static.pickEmployee : text.openAs(selected.name);
  ui.open.disabled = working || selected === undefined;
}

function isAssociated(of: DirectoryCorp): boolean {
  return miniProgram !== undefined && of.apps.some((app) => app.miniProgramAppId === miniProgram?.appId);
}

function renderCorpPicker(): void {
  ui.corpSelect.replaceChildren(
    ...corps.map((candidate) =>
      el('option', { value: candidate.corpId, selected: candidate.corpId === corp?.corpId }, candidate.name),
    ),
  );
  if (corp !== undefined) ui.corpSelect.value = corp.corpId;
  renderCorpHint();
}

function renderCorpHint(): void {
  if (corp === undefined) {
    ui.corpHint.textContent = text.directoryEmpty;
    return;
  }
  const associated = isAssociated(corp);
  ui.corpHint.dataset.associated = String(associated);
  ui.corpHint.replaceChildren(
    `${text.people(corp.users.length)} · `,
    el('code', {}, corp.corpId),
    associated ? '' : text.notAssociated(miniProgram?.name ?? text.theMiniProgram),
  );
}

/**
 * The app of the shown corp that the gateway logs in with: the corp's first app associated with the mini program
 * (in sandbox mode, the demo app the gateway is configured with).
 */
function gatewayApp(): DirectoryApp | undefined {
  return corp?.apps.find((app) => miniProgram !== undefined && app.miniProgramAppId === miniProgram.appId);
}

function renderAppAge(): void {
  const app = gatewayApp();
  ui.appAge.checked = app?.createdAfter20220620 ?? false;
  ui.appAge.disabled = working || app === undefined;
  ui.appAgeApp.replaceChildren(
    ...(app === undefined
      ? [text.appAgeNone]
      : [`${app.name} · agentId `, el('code', {}, String(app.agentId)), ` · ${corp?.name ?? ''}`]),
  );
}

function pickCorp(corpId: string): void {
  const next = corpById(corpId);
  if (next === undefined || next === corp) return;
  corp = next;
  selected = undefined;
  hideToast();
  renderCorpHint();
  renderAppAge();
  renderList();
  updateOpenButton();
  ui.list.closest('.screen-body')?.scrollTo({ top: 0 });
}

function row(label: string, value: Node | string, name: string): HTMLDivElement {
  return el('div', { class: 'field', 'data-field': name }, el('dt', {}, label), el('dd', {}, value));
}

/**
 * The mobile as the gateway gave it: from `user/get` in the login answer (apps created before 2022-06-20), shared by
 * the employee through Get mobile, or neither, saying why.
 */
function mobileRow(employee: Employee): Node {
  const value = shared?.value ?? employee.mobile;
  if (value === undefined || value === '') {
    return el('span', { id: 'mobile-none', class: 'muted' }, text.mobileNotGiven);
  }
  const source =
    shared === undefined
      ? text.mobileFromUserGet
      : shared.source === 'wecom'
        ? text.mobileSharedConfirmed
        : text.mobileSharedClient;
  return el(
    'span',
    { class: 'mobile-value' },
    el('strong', { id: 'mobile-value' }, value),
    el('small', { id: 'mobile-source', class: 'muted' }, source),
  );
}

function renderCard(employee: Employee): void {
  const session = inHand?.auth.getSession();
  const home = corpById(employee.corpId);
  const departments = employee.departments
    .map((dept) => dept.name ?? departmentNames(home, [dept.id]))
    .filter((name) => name.trim() !== '')
    .map((name) => el('span', { class: 'chip' }, name));
  const status = employee.status ?? 'unknown';
  ui.card.replaceChildren(
    el(
      'div',
      { class: 'card-head' },
      avatarOf(employee.corpId, employee.userId, employee.avatar),
      el(
        'div',
        {},
        el('h3', { id: 'card-name', class: 'card-name' }, employee.name),
        el('p', { class: 'card-position' }, employee.position || text.noPosition),
      ),
      el('span', { class: `status-pill status-${status}` }, text.statusWords[status] ?? status),
    ),
    el(
      'dl',
      { class: 'fields' },
      row(
        text.fields.departments,
        departments.length === 0
          ? el('span', { class: 'muted' }, text.noDepartment)
          : el('span', { class: 'chips' }, ...departments),
        'departments',
      ),
      row(text.fields.userid, el('code', {}, employee.userId), 'userid'),
      row(
        text.fields.corp,
        el(
          'span',
          { class: 'corp-value' },
          el('span', { id: 'card-corp' }, home?.name ?? employee.corpId),
          el('code', {}, employee.corpId),
        ),
        'corp',
      ),
      row(text.fields.mobile, mobileRow(employee), 'mobile'),
      session
        ? row(text.fields.expires, new Date(session.expiresAt).toLocaleTimeString(text.lang), 'expires')
        : null,
    ),
  );
  ui.card.dataset.userid = employee.userId;
}

function showApp(phone: Phone, employee: Employee): void {
  inHand = phone;
  shared = undefined;
  phones?.setInHand(phone);
  hideToast();
  renderCard(employee);
  ui.picker.hidden = true;
  ui.app.hidden = false;
  ui.back.hidden = false;
}

function showPicker(): void {
  inHand = undefined;
  shared = undefined;
  phones?.setInHand(undefined);
  hideToast();
  ui.app.hidden = true;
  ui.picker.hidden = false;
  ui.back.hidden = true;
  ui.card.replaceChildren();
  delete ui.card.dataset.userid;
}

async function openMiniProgram(): Promise<void> {
  const person = selected;
  const home = corp;
  if (person === undefined || home === undefined || phones === undefined) return;
  // Each employee has a phone of their own: what the SDK stored there (the corp it learnt) stays there.
  const phone = phones.of({ corpId: home.corpId, userid: person.userid });
  await openOn(phone, text.logInAs(person.name, home.name));
}

/** Opens the mini program on `phone`: a fresh login through the gateway (the suite panel's phones too). */
async function openOn(phone: Phone, label: string): Promise<void> {
  await act(label, async () => {
    // A session left on this phone by an earlier visit is ended: opening the mini program is a fresh login.
    if (phone.auth.getSession() !== null) await phone.auth.logout();
    if (ui.busy.checked) await sandboxApi.addFault(BUSY_FAULT);
    const { employee } = await phone.auth.login();
    showApp(phone, employee);
    const where = corpById(employee.corpId)?.name ?? employee.corpId;
    return text.loggedIn(employee.name, where, recorder.metCorpMismatch());
  });
}

async function logOut(): Promise<void> {
  const sdk = inHand?.auth;
  if (sdk === undefined) return;
  await act(text.logOutAction, async () => {
    await sdk.logout();
    showPicker();
    return text.loggedOut;
  });
}

function wireControls(): void {
  ui.search.addEventListener('input', renderList);
  ui.corpSelect.addEventListener('change', () => pickCorp(ui.corpSelect.value));
  ui.open.addEventListener('click', () => void openMiniProgram());
  ui.logout.addEventListener('click', () => void logOut());
  ui.back.addEventListener('click', () => void logOut());
  ui.mobile.addEventListener('click', () => {
    const sdk = inHand?.auth;
    if (sdk === undefined) return;
    void act(text.getMobileAction, async () => {
      const data = await sdk.decrypt('mobile');
      if (typeof data.mobile === 'string' && data.mobile !== '') {
        shared = { value: data.mobile, source: data.source === 'wecom' ? 'wecom' : 'client' };
      }
      const employee = sdk.getSession()?.employee;
      if (employee !== undefined) renderCard(employee);
      return text.decrypted;
    });
  });
  ui.refresh.addEventListener('click', () => {
    const sdk = inHand?.auth;
    if (sdk === undefined) return;
    void act(text.refreshAction, async () => {
      renderCard(await sdk.getEmployee());
      return text.refreshed;
    });
  });
  ui.expire.addEventListener('click', () => {
    void sandboxApi.expireTokens().then(
      ({ expired }) => toast(expired === 1 ? text.expired : text.expiredMany(expired), 'info'),
      (error: unknown) => toast(describe(error).message, 'error'),
    );
  });
  ui.busy.addEventListener('change', () => {
    toast(ui.busy.checked ? text.busyOn : text.busyOff, 'info');
  });
  ui.slow.addEventListener('change', () => {
    const on = ui.slow.checked;
    ui.slow.disabled = true;
    const change =
      on || slowFaultId === undefined
        ? sandboxApi.addFault(SLOW_FAULT).then(({ id }) => {
            slowFaultId = id;
          })
        : sandboxApi.removeFault(slowFaultId).then(() => {
            slowFaultId = undefined;
          });
    void change
      .then(
        () => toast(on ? text.slowOn : text.slowOff, 'info'),
        (error: unknown) => {
          ui.slow.checked = !on;
          toast(describe(error).message, 'error');
        },
      )
      .finally(() => {
        ui.slow.disabled = false;
      });
  });
  ui.appAge.addEventListener('change', () => {
    const app = gatewayApp();
    const shownCorp = corp;
    if (app === undefined || shownCorp === undefined) return;
    const after = ui.appAge.checked;
    ui.appAge.disabled = true;
    void sandboxApi
      .setAppCreation({ corpId: shownCorp.corpId, agentId: app.agentId }, after)
      .then(
        (changed) => {
          // The page's copy of the directory follows, so switching corps and back shows the app as it is now.
          app.createdAfter20220620 = changed.createdAfter20220620;
          toast(text.appAge(app.name, changed.createdAfter20220620), 'info');
        },
        (error: unknown) => {
          ui.appAge.checked = !after;
          toast(describe(error).message, 'error');
        },
      )
      .finally(() => {
        ui.appAge.disabled = working;
      });
  });
  ui.traceClear.addEventListener('click', () => trace.clear());
}

function resolveGatewayUrl(configured: string | null): string {
  const asked = new URLSearchParams(window.location.search).get('gateway');
  for (const candidate of [asked, configured]) {
    if (candidate === null || candidate === '') continue;
    try {
      const url = new URL(candidate);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href.replace(/\/+$/, '');
    } catch {
      // Not a URL: fall through to the next source.
    }
  }
  return `${window.location.protocol}//${window.location.hostname}:8080`;
}

/** Shows whether the gateway answers its liveness probe, so a stopped gateway is obvious before a login. */
async function checkGateway(gatewayUrl: string): Promise<void> {
  let up = false;
  try {
    up = (await fetch(`${gatewayUrl}/healthz`, { cache: 'no-store' })).ok;
  } catch {
    up = false;
  }
  ui.gatewayState.dataset.state = up ? 'up' : 'down';
  ui.gatewayHealth.textContent = up ? text.gatewayReachable : text.gatewayUnreachable;
}

function tickClock(): void {
  const now = new Date();
  ui.clock.textContent = `${now.getHours()}:${String(now.getMinutes()).padStart(2, '0')}`;
}

async function start(): Promise<void> {
  applyStaticText(document);
  const [before, query, after] = text.gatewayHint;
  ui.gatewayHint.replaceChildren(before, el('code', {}, query), after);
  tickClock();
  setInterval(tickClock, 30_000);
  wireControls();
  setWorking(true);
  try {
    const [config, directory, calls, faults] = await Promise.all([
      sandboxApi.config(),
      sandboxApi.directory(),
      sandboxApi.calls(),
      sandboxApi.faults(),
    ]);
    // The sandbox outlives the page: a slow-network fault from before a reload is still in force.
    const slow = faults.faults.find(
      (fault) =>
        fault.path === SLOW_FAULT.path && fault.delayMs === SLOW_FAULT.delayMs && fault.errcode === undefined,
    );
    slowFaultId = slow?.id;
    ui.slow.checked = slow !== undefined;
    const gatewayUrl = resolveGatewayUrl(config.gatewayUrl);
    ui.gatewayUrl.textContent = gatewayUrl;
    trace.sync(calls.total);
    corps = directory.corps;
    miniProgram = directory.miniPrograms[0];
    if (miniProgram !== undefined) ui.title.textContent = miniProgram.name;
    phones = new SimulatedPhones({ gatewayUrl, observer: recorder.observer });
    // A reload keeps the phone in hand: its mini program opens again on the session the SDK stored.
    const held = phones.inHand();
    const heldCorp = held === undefined ? undefined : corpById(held.corpId);
    corp = heldCorp ?? corps[0];
    selected = heldCorp?.users.find((user) => user.userid === held?.userid);
    renderCorpPicker();
    renderAppAge();
    renderList();
    const restored = held === undefined ? undefined : phones.of(held);
    const session = restored?.auth.getSession() ?? null;
    if (restored !== undefined && session !== null) showApp(restored, session.employee);
    else phones.setInHand(undefined);
    void checkGateway(gatewayUrl);
    // Shown only when the sandbox plays the provider platform for suites (third-party apps).
    void mountSuitePanel(byId<HTMLElement>('suite-panel'), {
      gatewayUrl,
      observer: recorder.observer,
      corps: () => corps,
      picked: () => (selected === undefined || corp === undefined ? undefined : { corp, user: selected }),
      open: openOn,
      act,
    }).catch((error: unknown) =>
      toast(`The suite panel could not load: ${describe(error).message}`, 'error'),
    );
  } catch (error) {
    toast(text.couldNotStart(describe(error).message), 'error');
  }
  setWorking(false);
  updateOpenButton();
  // Enabled only now: switching slow network off needs the id of the fault found above.
  ui.busy.disabled = false;
  ui.slow.disabled = false;
}

void start();
