// The Webhooks panel in a real browser: an admin sees the registered endpoint and its recent deliveries with
// their status and attempts, after a real receiver on 127.0.0.1 failed a call once and then took it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { SUBMISSION, SUBMIT } from '../helpers/server.js';
import { describeBrowser, openPage, startWeb, type WebFixture } from './browser.js';

let web: WebFixture;
let receiver: Receiver;

beforeAll(async () => {
  web = await startWeb({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_BASE_MS: '20' });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await web?.stop();
});

describeBrowser('the webhooks panel', () => {
  it('shows endpoints and recent deliveries with their status', async () => {
    receiver.respond = (n) => (n === 0 ? 500 : 200);
    const created = await web.server.gql(
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`,
      { input: { url: receiver.url, events: ['MESSAGE_COMPLETED'], description: 'CRM' } },
    );
    expect(created.errors).toBeUndefined();
    const { page, context, errors } = await openPage(web, '/#queue');
    const panel = page.getByRole('region', { name: /Webhooks/ });
    await panel.getByText(receiver.url).waitFor();
    await expect(panel.getByText('MESSAGE_COMPLETED · CRM').count()).resolves.toBe(1);

    const submitted = await web.server.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
      input: { submission: SUBMISSION },
    });
    expect(submitted.errors).toBeUndefined();
    await receiver.waitFor(2);
    await web.server.runtime.dispatcher.idle();
    await panel.getByRole('button', { name: 'Refresh' }).click();
    const row = panel.locator('tr[data-status="DELIVERED"]');
    await row.waitFor();
    await expect(row.locator('td').nth(0).textContent()).resolves.toBe('message.completed');
    await expect(row.locator('td').nth(4).textContent()).resolves.toBe('2');
    await expect(row.textContent()).resolves.toContain('HTTP 500');
    expect(errors).toEqual([]);
    await context.close();
  });
});
