'use strict';
/**
 * Drives VS Code (code-server) in Chromium through playwright-core, as a user debugs with the extension.
 *
 *   node vscode_ui.js SCENARIO PARAMS_JSON
 *
 * SCENARIO is one of the functions in SCENARIOS; PARAMS_JSON gives the workbench URL, the browser and the
 * source lines to use. Every wait is on the user interface's state (no fixed delays). On failure the
 * message says which step failed and a screenshot is written to params.screenshot.
 */
const assert = require('assert');
const { chromium } = require('playwright-core');

const BROWSER_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A variable's name as a tree row shows it (VS Code appends ':' or ' =' to it). */
function nameOf(row) {
  return (row.querySelector('.name')?.textContent ?? row.textContent).replace(/\s*[:=]\s*$/, '');
}

class Workbench {
  constructor(page, params) {
    this.page = page;
    this.params = params;
    this.step = 'opening the workbench';
  }

  async open() {
    await this.page.goto(this.params.url);
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: this.params.slowTimeoutMs });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor();
  }

  /** Runs the command labelled `title` from the command palette (F1). */
  async runCommand(title) {
    await this.page.keyboard.press('F1');
    await this.page.locator('.quick-input-widget input').fill(`>${title}`);
    const exactly = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    await this.page
      .locator('.quick-input-list .monaco-list-row', { has: this.page.locator('.label-name', { hasText: exactly }) })
      .first()
      .click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  async openFile(name) {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await input.press('Enter');
    await this.page.locator('.tab.active', { hasText: name }).waitFor();
    await this.page.locator('.monaco-editor .view-lines').first().click();
  }

  async goToLine(line) {
    await this.page.keyboard.press('Control+G');
    await this.page.locator('.quick-input-widget input').fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Puts a breakpoint on `line` of the open file (F9) and waits for its dot in the gutter. */
  async toggleBreakpoint(line) {
    await this.goToLine(line);
    const before = await this.page.locator('.codicon-debug-breakpoint, .codicon-debug-breakpoint-unverified').count();
    await this.page.keyboard.press('F9');
    await this.page.waitForFunction(
      (count) => document.querySelectorAll('.codicon-debug-breakpoint, .codicon-debug-breakpoint-unverified').length > count,
      before,
    );
  }

  /** The top frame of the call stack once the program has stopped: { name, line }. */
  async waitForStop(expected, timeout) {
    const frame = this.page.locator('.debug-call-stack .monaco-list-row .stack-frame').first();
    await this.page.waitForFunction(
      ({ name, line }) => {
        const top = document.querySelector('.debug-call-stack .monaco-list-row .stack-frame');
        const text = top?.querySelector('.line-number')?.textContent ?? '';
        return top !== null && top.textContent.includes(name) && text.split(':')[0] === String(line);
      },
      expected,
      { timeout },
    ).catch(async (error) => {
      const seen = (await frame.count()) ? await frame.textContent() : '(no frame)';
      throw new Error(`expected a stop in ${expected.name} at line ${expected.line}, the top frame is ${seen}: ${error.message}`);
    });
    await this.page.locator('.debug-top-stack-frame-line').first().waitFor();
  }

  /** The name -> value of the rows shown in the tree of a debug view (`.debug-variables`, `.debug-watch`). */
  async rows(view) {
    return this.page.locator(`${view} .monaco-list-row`).evaluateAll((rows) =>
      rows.map((row) => ({
        name: nameOf(row),
        value: row.querySelector('.value')?.textContent ?? '',
        scope: row.querySelector('.scope') !== null,
        expanded: row.getAttribute('aria-expanded'),
      })),
    );
  }

  /** Expands the scope `name` of the Variables view when it is collapsed (VS Code expands only the first). */
  async expandScope(name) {
    const scope = this.page.locator(`.debug-variables .monaco-list-row[aria-label="Scope ${name}"]`);
    if ((await scope.getAttribute('aria-expanded')) === 'false') {
      await scope.click();
    }
  }

  async waitForRow(view, name, value) {
    await this.page
      .waitForFunction(
        ({ view, name, value }) =>
          [...document.querySelectorAll(`${view} .monaco-list-row`)].some(
            (row) =>
              (row.querySelector('.name')?.textContent ?? '').replace(/\s*[:=]\s*$/, '') === name &&
              (value === null || row.querySelector('.value')?.textContent === value),
          ),
        { view, name, value },
      )
      .catch(async (error) => {
        throw new Error(`${view} never showed ${name} = ${value}; it shows ${JSON.stringify(await this.rows(view))}: ${error.message}`);
      });
  }

  async addWatch(expression) {
    const header = this.page.locator('.pane-header', { hasText: 'Watch' });
    if ((await header.getAttribute('aria-expanded')) === 'false') {
      await header.click();
    }
    await header.hover();
    await header.locator('.action-label[aria-label="Add Expression"]').click();
    await this.page.keyboard.type(expression);
    await this.page.keyboard.press('Enter');
  }

  /** Hovers the word `word` on `line` of the editor and returns what the debug hover shows. */
  async hover(line, word) {
    await this.goToLine(line);
    const point = await this.page.evaluate((word) => {
      const top = document.querySelector('.monaco-editor .view-overlays .current-line').getBoundingClientRect().top;
      const lines = [...document.querySelectorAll('.monaco-editor .view-lines .view-line')];
      const lineElement = lines.find((element) => Math.abs(element.getBoundingClientRect().top - top) < 2);
      const walker = document.createTreeWalker(lineElement, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        const match = new RegExp(`\\b${word}\\b`).exec(node.textContent);
        if (match !== null) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + word.length);
          const box = range.getBoundingClientRect();
          return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
        }
      }
      return null;
    }, word);
    assert.ok(point !== null, `no ${word} on line ${line}`);
    await this.page.mouse.move(point.x, point.y);
    const hover = this.page.locator('.debug-hover-widget');
    await hover.waitFor();
    return hover.textContent();
  }

  async evaluateInConsole(expression, expected) {
    await this.runCommand('Debug Console: Focus on Debug Console View');
    const input = this.page.locator('.repl-input-wrapper .monaco-editor textarea');
    await input.focus();
    await this.page.keyboard.type(expression);
    await this.page.keyboard.press('Enter');
    await this.page
      .waitForFunction(
        (expected) =>
          [...document.querySelectorAll('.repl .monaco-list-row')].some((row) => row.textContent.trim() === expected),
        expected,
      )
      .catch(async (error) => {
        const shown = await this.page.locator('.repl .monaco-list-row').allTextContents();
        throw new Error(`the Debug Console shows ${JSON.stringify(shown)}, not ${expected}: ${error.message}`);
      });
  }

  async consoleText() {
    return (await this.page.locator('.repl .monaco-list-row').allTextContents()).join('\n');
  }

  async waitForSessionEnd() {
    await this.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: this.params.slowTimeoutMs });
  }

  async notifications() {
    return this.page.locator('.notification-toast .notification-list-item-message').allTextContents();
  }
}

/** F5 with the example's launch.json: breakpoints, Variables, Watch, hover, steps, Debug Console, exit. */
async function launchJson(bench, { lines }) {
  bench.step = 'opening the source';
  await bench.openFile('inventory.c');
  await bench.toggleBreakpoint(lines.loop_body);

  bench.step = 'F5 to the first breakpoint';
  await bench.page.keyboard.press('F5');
  await bench.waitForStop({ name: 'order_total', line: lines.loop_body }, bench.params.slowTimeoutMs);

  bench.step = 'Variables';
  await bench.waitForRow('.debug-variables', 'orders', null);
  await bench.expandScope('Locals');
  await bench.waitForRow('.debug-variables', 'total', '0');

  bench.step = 'Watch';
  await bench.addWatch('order->count');
  await bench.waitForRow('.debug-watch', 'order->count', '1');

  bench.step = 'hover';
  const hovered = await bench.hover(lines.loop_body + 1, 'total');
  assert.match(hovered, /\b0\b/, `hovering total shows ${hovered}`);

  bench.step = 'Debug Console';
  await bench.evaluateInConsole('order->item->price * 2', '8');

  bench.step = 'step over (F10)';
  await bench.page.keyboard.press('Escape');
  await bench.page.keyboard.press('F10');
  await bench.waitForStop({ name: 'order_total', line: lines.loop_body + 1 }, bench.params.stepTimeoutMs);
  await bench.waitForRow('.debug-watch', 'order->count', '1');

  bench.step = 'step out (Shift+F11)';
  await bench.runCommand('Remove All Breakpoints'); // else the loop's next turn stops there first
  await bench.page.keyboard.press('Shift+F11');
  await bench.waitForStop({ name: 'main', line: lines.order_total_call }, bench.params.stepTimeoutMs);

  bench.step = 'continue (F5) to a breakpoint set while stopped';
  await bench.toggleBreakpoint(lines.restock_call);
  await bench.page.keyboard.press('F5');
  await bench.waitForStop({ name: 'main', line: lines.restock_call }, bench.params.stepTimeoutMs);

  bench.step = 'step into (F11)';
  await bench.page.keyboard.press('F11');
  await bench.waitForStop({ name: 'restock', line: lines.restock_body }, bench.params.stepTimeoutMs);
  await bench.waitForRow('.debug-variables', 'target', '10');

  bench.step = 'remove the breakpoints and run to the exit';
  await bench.runCommand('Remove All Breakpoints');
  await bench.page.keyboard.press('F5');
  await bench.waitForSessionEnd();
  const output = await bench.consoleText();
  assert.match(output, /order total: 6\.00/, `the Debug Console shows:\n${output}`);
  assert.match(output, /restocked dates with 9/, `the Debug Console shows:\n${output}`);
  assert.match(output, /Process exited with status 2/, `the Debug Console shows:\n${output}`);
  assert.deepStrictEqual(await bench.notifications(), []);
}

/** F5 without launch.json: the extension offers the workspace's .wasm files and debugs the one picked. */
async function withoutLaunchJson(bench, { lines }) {
  await bench.openFile('inventory.c');
  await bench.toggleBreakpoint(lines.restock_body);
  bench.step = 'F5 without launch.json';
  await bench.page.keyboard.press('F5');
  const picker = bench.page.locator('.quick-input-widget');
  await picker.waitFor();
  const debuggerChoice = bench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Wasmtime' });
  const programChoice = bench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'build/inventory.wasm' });
  await debuggerChoice.or(programChoice).first().waitFor();
  if (await debuggerChoice.count()) {
    await debuggerChoice.first().click(); // VS Code asks which debugger first when several could do
  }
  bench.step = 'picking the program';
  await programChoice.first().waitFor();
  await programChoice.first().click();
  await bench.waitForStop({ name: 'restock', line: lines.restock_body }, bench.params.slowTimeoutMs);
  await bench.waitForRow('.debug-variables', 'target', '10');
  await bench.runCommand('Remove All Breakpoints');
  await bench.page.keyboard.press('F5');
  await bench.waitForSessionEnd();
}

/** F5 where no Python can import the adapter: an error toast says what to do. */
async function missingPython(bench) {
  bench.step = 'F5 with no usable Python';
  await bench.openFile('inventory.c');
  await bench.page.keyboard.press('F5');
  const toast = bench.page.locator('.notification-toast', { hasText: 'no Python interpreter found' });
  await toast.waitFor({ timeout: bench.params.slowTimeoutMs });
  const text = await toast.textContent();
  assert.match(text, /pip install/);
  assert.match(text, /wasmtime-dap\.pythonPath/);
  assert.strictEqual(await bench.page.locator('.debug-toolbar').isVisible(), false);
}

const SCENARIOS = { launchJson, withoutLaunchJson, missingPython };

async function main() {
  const [scenario, paramsJson] = process.argv.slice(2);
  const params = JSON.parse(paramsJson);
  const browser = await chromium.launch({ executablePath: params.browser, args: BROWSER_FLAGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(params.timeoutMs);
  const bench = new Workbench(page, params);
  try {
    await bench.open();
    await SCENARIOS[scenario](bench, params);
  } catch (error) {
    await page.screenshot({ path: params.screenshot }).catch(() => undefined);
    error.message = `${scenario}, while ${bench.step}: ${error.message}`;
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
