import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { settings } from "./schema";
import { screeningChanged } from "./screening-epoch";

/** Reads one setting, or null. */
export async function getSetting(db: D1Database, key: string): Promise<string | null> {
  const row = await drizzle(db).select().from(settings).where(eq(settings.key, key)).get();
  return row?.value ?? null;
}

/** Writes one setting, replacing any previous value. */
export async function putSetting(db: D1Database, key: string, value: string): Promise<void> {
  const updatedAt = Date.now();
  try {
    await drizzle(db)
      .insert(settings)
      .values({ key, value, updatedAt })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt } });
  } finally {
    screeningChanged(); // the guard's settings are one of them
  }
}
