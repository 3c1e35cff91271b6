/**
 * The Temporal Web UI in a real browser (Debian's Chromium driven by playwright-core), served by the embedded
 * dev server: a person types a kjob search-attribute query into the workflow list's query box and sees exactly
 * the failed Jobs of one Kubernetes namespace, opens one, and reads what kjob wrote for the UI: the workflow's
 * summary and details, its current details (the live Job status), the one-line summary of every pod activity
 * and backoff timer, and the search attributes. Payloads are encrypted, as `kjob dev` encrypts them, and the UI
 * reads them through kjob's codec endpoint (`--ui-codec-endpoint`); once the endpoint is gone, the page holds no
 * plain value. Screenshots are kept in test-results/web-ui/.
 *
 * Written against the UI that Temporal CLI v1.5.1 embeds (UI 2.42.1). Chromium must be installed
 * (`apt-get install chromium`); without it this test fails, it does not skip.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JobClient } from '../../src/client/job-client.js';
import { startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { jobManifest } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
// No internet here: these flags keep Chromium from reaching out on its own (updates, sync, QUIC probes).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const root = join(import.meta.dirname, '..', '..');
const artifacts = join(root, 'test-results', 'web-ui');
const QUERY = 'KjobPhase="Failed" AND KjobNamespace="team-a"';
const FAILED_ID = 'kjob/team-a/ui-fails';
/** A value in the completing Job's container env: in its input and details, encrypted on the server. */
const MARKER = `ui-marker-${Date.now().toString(36)}`;

let env: DevEnvironment | undefined;
let jobs: JobClient | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
/** Names of the failed team-a Job's pods, from the API, to find in the UI. */
let failedPods: string[] = [];

const inNamespace = (namespace: string, manifest: ReturnType<typeof jobManifest>) => ({ ...manifest, metadata: { ...manifest.metadata, namespace } });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: the Web UI test needs it (Debian: apt-get install chromium)`);
  mkdirSync(artifacts, { recursive: true });
  // A backoff base of 1 s (Kubernetes: 10 s) so the failing Job's second pod starts soon.
  env = await startDevEnvironment('web-ui', { withUi: true, worker: { podBackoffBaseSeconds: 1 } });
  if (!env.server.uiUrl) throw new Error('the dev server was started without its Web UI');
  if (!env.codec) throw new Error('the dev server was started without a codec endpoint for its UI');
  jobs = env.jobs;

  // Two Jobs named alike in two namespaces, both failing; a third in team-a that completes. Only the first
  // matches "failed Jobs of team-a". A Failed Job's workflow fails, so the UI's own status tells them apart too.
  await jobs.create(inNamespace('team-a', jobManifest('ui-fails', { backoffLimit: 1, completions: 2, completionMode: 'Indexed' }, { image: 'busybox', command: ['false'] })));
  await jobs.create(inNamespace('team-a', jobManifest('ui-ok', {}, { image: 'busybox', command: ['true'], env: [{ name: 'MARKER', value: MARKER }] })));
  await jobs.create(inNamespace('default', jobManifest('ui-fails', { backoffLimit: 0 }, { image: 'busybox', command: ['false'] })));
  const outcome = async (namespace: string, name: string) => (await jobs!.wait(name, { namespace, timeoutMs: 60_000 })).status?.conditions?.at(-1)?.type;
  expect(await outcome('team-a', 'ui-fails')).toBe('Failed');
  expect(await outcome('team-a', 'ui-ok')).toBe('Complete');
  expect(await outcome('default', 'ui-fails')).toBe('Failed');
  failedPods = (await jobs.pods('ui-fails', { namespace: 'team-a' })).map((pod) => pod.metadata.name);
  expect(failedPods).toHaveLength(2);

  // Visibility is eventually consistent: wait until the server's list knows all three final phases, so the
  // browser usually sees the settled list at once (it still retries below).
  // Temporal's own status says which Jobs failed too: `temporal workflow list --query 'ExecutionStatus="Failed"'`.
  const client = await jobs.client();
  const counts = async () =>
    Promise.all(['KjobPhase IN ("Failed", "Complete")', 'ExecutionStatus="Failed"', 'ExecutionStatus="Completed"'].map(async (query) => (await client.workflow.count(query)).count));
  let seen = await counts();
  for (let i = 0; i < 100 && seen.join() !== '3,2,1'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await counts();
  }
  expect(seen).toEqual([3, 2, 1]);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  // A fresh context: no cookies, storage or saved views from an earlier run.
  context = await browser.newContext({ viewport: { width: 1400, height: 1200 } });
  // Only the dev server's UI: anything else (the UI links to docs and GitHub) is refused, never fetched.
  const ui = new URL(env.server.uiUrl).origin;
  const codec = new URL(env.codec.url).origin;
  await context.route((url) => url.origin !== ui && url.origin !== codec, (route) => route.abort());
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await env?.stop();
  if (env) rmSync(env.dir, { recursive: true, force: true });
});

/** The text of the workflow list's row for one workflow id (its status badge among it). */
async function listedRow(workflowId: string): Promise<string> {
  const row = page.getByTestId('workflows-summary-configurable-table-row').filter({ has: page.getByRole('link', { name: workflowId, exact: true }) });
  return row.innerText();
}

/** Workflow ids in the rows of the workflow list, as shown (the first column's links). */
async function listedWorkflowIds(): Promise<string[]> {
  return page.getByTestId('workflows-summary-configurable-table-row').getByRole('link', { name: /^kjob\// }).allInnerTexts();
}

describe('the Temporal Web UI', () => {
  test('the query box finds exactly the failed Jobs of namespace team-a by kjob’s search attributes', async () => {
    await page.goto(`${env!.server.uiUrl}/namespaces/default/workflows`);
    // All three Jobs are listed before filtering.
    await page.getByRole('link', { name: FAILED_ID, exact: true }).waitFor();
    await page.getByRole('link', { name: 'kjob/team-a/ui-ok', exact: true }).waitFor();
    await page.getByRole('link', { name: 'kjob/default/ui-fails', exact: true }).waitFor();
    // A Failed Job wears the Failed badge, a Complete one the Completed badge.
    for (const id of [FAILED_ID, 'kjob/default/ui-fails']) {
      const row = await listedRow(id);
      expect(row).toMatch(/\bFailed\b/);
      expect(row).not.toMatch(/\bCompleted\b/);
    }
    expect(await listedRow('kjob/team-a/ui-ok')).toMatch(/\bCompleted\b/);
    await page.screenshot({ path: join(artifacts, 'list-all.png') });

    // As a person would: open the raw query editor (the </> button), type the query, press Enter.
    await page.getByTestId('toggle-manual-query').click();
    const queryBox = page.getByPlaceholder('Enter a query');
    await queryBox.click();
    await queryBox.pressSequentially(QUERY);
    await queryBox.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('query') === QUERY);

    // The UI knows kjob's search attributes: it turns the query into one filter chip per attribute.
    const chip = (attribute: string) => page.locator(`[aria-controls^="dropdown-filter-chip-${attribute}-"]`);
    expect((await chip('KjobPhase').innerText()).replace(/\s+/g, '')).toBe('KjobPhase="Failed"');
    expect((await chip('KjobNamespace').innerText()).replace(/\s+/g, '')).toBe('KjobNamespace="team-a"');

    // The list shows the failed team-a Job and nothing else; search again if visibility lags.
    let ids: string[] = [];
    for (let round = 0; round < 6; round++) {
      if (round > 0) await page.getByTestId('manual-search-button').click();
      for (let i = 0; i < 20; i++) {
        ids = await listedWorkflowIds();
        if (ids.length === 1 && ids[0] === FAILED_ID) break;
        await page.waitForTimeout(250);
      }
      if (ids.length === 1 && ids[0] === FAILED_ID) break;
    }
    expect(ids).toEqual([FAILED_ID]);
    await page.screenshot({ path: join(artifacts, 'list.png') });
  });

  test('the opened Job shows its summary, details, current status and the summary of every pod and timer', async () => {
    await page.getByRole('link', { name: FAILED_ID, exact: true }).click();
    await page.waitForURL((url) => url.pathname.startsWith(`/namespaces/default/workflows/${encodeURIComponent(FAILED_ID)}/`));
    await page.getByRole('heading', { name: FAILED_ID, exact: true }).waitFor();

    // History (the default tab): the timeline labels each pod activity `runPod • <summary>` and each timer.
    await page.getByRole('heading', { name: 'Event History' }).waitFor();
    for (const pod of failedPods) await page.getByText(`runPod • pod ${pod}`, { exact: true }).waitFor();
    await page.getByText(/^backoff: next pod start at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/).first().waitFor();
    await page.screenshot({ path: join(artifacts, 'job-history.png') });

    // User Metadata: summary, details (Markdown, rendered in iframes), current details, events with metadata.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const rendered = async (heading: string) => {
      const frame = page.getByRole('heading', { name: heading, exact: true }).locator('xpath=following::iframe[1]').contentFrame();
      const main = frame.locator('main');
      await main.waitFor();
      return main.innerText();
    };
    expect((await rendered('Summary')).trim()).toBe('Job team-a/ui-fails: Indexed, 2 completions, parallelism 1');
    const details = await rendered('Details');
    expect(details).toMatch(/^apiVersion: batch\/v1\nkind: Job\nmetadata:\n {2}name: ui-fails\n {2}namespace: team-a\n/);
    expect(details).toContain('completionMode: Indexed');
    for (const pod of failedPods) await page.getByText(`pod ${pod}`, { exact: true }).waitFor();
    await page.getByText(/^backoff: next pod start at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/).waitFor();
    // Current details come from a query the worker answers (the SDK's built-in metadata query).
    const current = (await rendered('Current Details')).split('\n').filter((line) => line.trim() !== '');
    expect(current[0]).toBe('Failed · completions 0/2 · active 0 · ready 0 · failed 2');
    // kubectl's <none>, escaped in the Markdown so the UI shows it rather than an empty HTML element.
    expect(current[1]).toBe('Completed indexes: <none>');
    expect(current[2]).toBe('Condition: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit');
    await page.screenshot({ path: join(artifacts, 'job.png') });

    // Search Attributes: the values the list filtered on.
    await page.getByRole('tab', { name: 'Search Attributes' }).click();
    const attributes = page.getByRole('textbox').filter({ hasText: 'KjobPhase' });
    await attributes.waitFor();
    const text = await attributes.innerText();
    expect(text).toContain('"KjobPhase": "Failed"');
    expect(text).toContain('"KjobNamespace": "team-a"');
    expect(text).toContain('"KjobName": "ui-fails"');
    expect(text).toContain('"KjobCompletionMode": "Indexed"');
  });

  test('through the codec endpoint the UI shows the decrypted input; without it the page holds no plain value', async () => {
    const okPage = `${env!.server.uiUrl}/namespaces/default/workflows/${encodeURIComponent('kjob/team-a/ui-ok')}`;
    // The text of the page and of its frames (the Markdown details render in iframes).
    const pageText = async () => (await Promise.all(page.frames().map((frame) => frame.content().catch(() => '')))).join('\n');
    const waitForText = async (ok: (text: string) => boolean) => {
      let text = '';
      for (let i = 0; i < 60 && !ok((text = await pageText())); i++) await page.waitForTimeout(250);
      return text;
    };
    const decodes: string[] = [];
    page.on('request', (request) => request.url().startsWith(env!.codec!.url) && decodes.push(`${request.method()} ${new URL(request.url()).pathname}`));

    await page.goto(okPage);
    await page.getByRole('heading', { name: 'kjob/team-a/ui-ok', exact: true }).waitFor();
    // The Job's input (its manifest) and its details, decrypted by the endpoint, hold the container's env.
    expect(await waitForText((text) => text.includes(MARKER))).toContain(MARKER);
    expect(decodes).toContain('POST /decode');
    await page.screenshot({ path: join(artifacts, 'decoded.png') });

    // The endpoint gone (as for a person without the key), the same page shows encrypted payloads only.
    await env!.codec!.close();
    await page.goto(okPage);
    await page.getByRole('heading', { name: 'kjob/team-a/ui-ok', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Event History' }).waitFor();
    // The UI says it cannot reach the endpoint, and shows the payloads as stored: `binary/encrypted`, in base64.
    await page.getByTestId('data-encoder-status-error').first().waitFor();
    const encryptedEncoding = Buffer.from('binary/encrypted').toString('base64');
    const text = await waitForText((t) => t.includes(encryptedEncoding));
    expect(text).toContain(encryptedEncoding);
    expect(text).not.toContain(MARKER);
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await page.getByRole('heading', { name: 'Summary', exact: true }).waitFor();
    expect(await pageText()).not.toContain(MARKER);
    await page.screenshot({ path: join(artifacts, 'encrypted.png') });
  });
});
