// Driving a notebook page of JupyterLab 4 or Notebook 7 through window.jupyterapp (exposed by
// --LabServerApp.expose_app_in_browser): the application's own commands, as a user's menu
// clicks would run them, and waits on the kernel's status rather than on time.
type Page = any;

/** Opens the notebook `path` (in the served folder) and waits until its kernel is connected and idle. */
export async function openNotebook(page: Page, url: string, path: string): Promise<void> {
  await page.goto(url);
  // The restored workspace may show another notebook first.
  await page.waitForFunction((p: string) => (window as any).jupyterapp?.shell?.currentWidget?.context?.path === p, path, { timeout: 120_000 });
  await waitIdle(page, 120_000);
}

/** Waits until the current notebook's kernel is connected and idle. */
export async function waitIdle(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const w = (window as any).jupyterapp?.shell?.currentWidget;
      const k = w?.sessionContext?.session?.kernel;
      return !!k && k.connectionStatus === "connected" && k.status === "idle" && w.context.isReady;
    },
    null,
    { timeout },
  );
}

/** The current notebook's kernel status ("busy", "idle", ...). */
export function kernelStatus(page: Page): Promise<string> {
  return page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.status);
}

/**
 * Starts an application command with the cell `index` active (null: leave the selection). Does
 * not wait for it: the run commands' promises end only with the run (wait with waitIdle).
 */
export async function command(page: Page, id: string, index: number | null = null): Promise<void> {
  await page.evaluate(
    ([cmd, i]: [string, number | null]) => {
      const app = (window as any).jupyterapp;
      if (i !== null) app.shell.currentWidget.content.activeCellIndex = i;
      (window as any).__tnlabLastCommand = app.commands.execute(cmd).catch((e: Error) => console.error(`${cmd}: ${e}`));
    },
    [id, index],
  );
}

/**
 * Runs every cell and waits until the run has ended and the kernel is idle again. Waiting on the
 * command itself matters: right after the command starts, the kernel may still look idle.
 */
export function runAll(page: Page, timeout = 120_000): Promise<void> {
  return runAndWait(page, "notebook:run-all-cells", null, timeout);
}

/** Runs a run command (with cell `index` active) and waits until it has ended and the kernel is idle. */
export async function runAndWait(page: Page, id: string, index: number | null, timeout = 120_000): Promise<void> {
  await command(page, id, index);
  const ended = await page.evaluate(
    (ms: number) => Promise.race([(window as any).__tnlabLastCommand.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]),
    timeout,
  );
  if (!ended) throw new Error(`${id} did not end within ${timeout} ms`);
  await waitIdle(page, timeout);
}

/** Saves the notebook and waits until the model is clean. */
export async function save(page: Page): Promise<void> {
  await page.evaluate(() => (window as any).jupyterapp.commands.execute("docmanager:save"));
  await page.waitForFunction(() => !(window as any).jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 30_000 });
}

/** Whether every code cell of the current notebook is trusted. */
export function trusted(page: Page): Promise<boolean[]> {
  return page.evaluate(() => {
    const cells = (window as any).jupyterapp.shell.currentWidget.content.widgets;
    return cells.filter((c: any) => c.model.type === "code").map((c: any) => !!c.model.trusted);
  });
}

/** Number of elements matching `sel` in the output area of code cell `index` (0-based). */
export function countIn(page: Page, index: number, sel: string): Promise<number> {
  return page.evaluate(([i, s]: [number, string]) => {
    const cell = (window as any).jupyterapp.shell.currentWidget.content.widgets[i];
    return cell ? cell.node.querySelectorAll(".jp-OutputArea " + s).length : -1;
  }, [index, sel]);
}

/**
 * Moves the pointer onto the picture in cell `index` until `drawn` appears there (the plotly
 * extension draws the graph over its stored picture when the pointer enters it). The picture is
 * looked up again on every try: JupyterLab may lay the notebook out again, or detach a cell that
 * is out of view, between two steps, and a stale element has no box.
 */
export async function hoverUntilDrawn(page: Page, index: number, drawn: string, timeout = 90_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while ((await countIn(page, index, drawn)) < 1) {
    if (Date.now() > deadline) throw new Error(`cell ${index}: no ${drawn} within ${timeout / 1000} s of moving the pointer onto its picture`);
    const img = await page.evaluateHandle((i: number) => {
      const node = (window as any).jupyterapp.shell.currentWidget.content.widgets[i].node as HTMLElement;
      node.scrollIntoView({ block: "center" });
      return node.querySelector("img.plot-img");
    }, index);
    const box = await img.asElement()?.boundingBox();
    await img.dispose();
    if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 2 });
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until `test(n)` holds for n = the number of `sel` in the output area of cell `index`. */
export async function waitIn(page: Page, index: number, sel: string, n: number, timeout = 90_000): Promise<void> {
  await page.waitForFunction(
    ([i, s, k]: [number, string, number]) => {
      const cell = (window as any).jupyterapp.shell.currentWidget.content.widgets[i];
      return !!cell && cell.node.querySelectorAll(".jp-OutputArea " + s).length === k;
    },
    [index, sel, n],
    { timeout },
  );
}

/** The text of the output area of cell `index`. */
export function outputText(page: Page, index: number): Promise<string> {
  return page.evaluate((i: number) => {
    const cell = (window as any).jupyterapp.shell.currentWidget.content.widgets[i];
    return cell?.node.querySelector(".jp-OutputArea")?.textContent ?? "";
  }, index);
}
