// The reset code from the newest .eml file the server wrote (no SMTP_URL: mails go to DATA_DIR/mail).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vi } from 'vitest';

export async function waitForResetCode(dataDir: string, to: string): Promise<string> {
  const dir = join(dataDir, 'mail');
  return vi.waitFor(
    async () => {
      const files = (await readdir(dir).catch(() => [])).sort().reverse();
      for (const file of files) {
        const mail = await readFile(join(dir, file), 'utf8');
        const code = /reset code is: (\d+)/.exec(mail)?.[1];
        if (code && mail.includes(`To: ${to}`)) return code;
      }
      throw new Error(`no reset code mailed to ${to} yet`);
    },
    { timeout: 30_000, interval: 100 },
  );
}
