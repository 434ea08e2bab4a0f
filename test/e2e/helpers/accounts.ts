/**
 * Drives the control plane over HTTP the way the console and scripts do
 * (the contract in ../shared/API.md): the first admin's sign-in and forced
 * password change, then users and keys created through the admin API.
 */

export const firstAdminPassword = "first-admin-password-for-tests";
export const adminPassword = "the-admins-own-password-2026";

export class AdminClient {
  /** The admin session cookie (name=value), for requests made outside this client. */
  cookie = "";

  constructor(readonly baseUrl: string) {}

  /** Signs in as `admin`, changing the first password when still required. */
  static async signIn(baseUrl: string): Promise<AdminClient> {
    const client = new AdminClient(baseUrl);
    const first = await client.login(firstAdminPassword);
    if (first.ok) {
      const body = (await first.json()) as { user: { mustChangePassword: boolean } };
      if (body.user.mustChangePassword) {
        const changed = await client.call("POST", "/auth/password", { currentPassword: firstAdminPassword, newPassword: adminPassword });
        if (changed.status !== 204) throw new Error(`password change failed: ${changed.status} ${await changed.text()}`);
      }
    }
    const second = await client.login(adminPassword);
    if (!second.ok) throw new Error(`admin sign-in failed: ${second.status} ${await second.text()}`);
    return client;
  }

  async login(password: string): Promise<Response> {
    const response = await fetch(`${this.baseUrl}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: this.baseUrl },
      body: JSON.stringify({ username: "admin", password }),
    });
    const setCookie = response.headers.getSetCookie().find((value) => value.length > 0);
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    return response;
  }

  call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { "Content-Type": "application/json", Origin: this.baseUrl, Cookie: this.cookie },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.call(method, path, body);
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Creates an active account (a service account unless told otherwise: it has no temporary password to change) and an API key for it. */
  async userWithKey(username: string, options: { role?: "user" | "service" | "admin"; limits?: Record<string, unknown> } = {}): Promise<{ userId: string; secret: string }> {
    const { user } = await this.json<{ user: { id: string } }>("POST", "/admin/api/users", { username, role: options.role ?? "service" });
    if (options.limits) await this.json("PATCH", `/admin/api/users/${user.id}`, { limits: options.limits });
    const { secret } = await this.json<{ secret: string }>("POST", `/admin/api/users/${user.id}/keys`, { name: `${username}-key` });
    return { userId: user.id, secret };
  }
}

/** Creates a person with a password they have already changed (so Basic and /chat work). */
export async function personWithPassword(admin: AdminClient, username: string, password: string): Promise<string> {
  const { user, temporaryPassword } = await admin.json<{ user: { id: string }; temporaryPassword: string }>("POST", "/admin/api/users", {
    username,
    role: "user",
  });
  const login = await fetch(`${admin.baseUrl}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: admin.baseUrl },
    body: JSON.stringify({ username, password: temporaryPassword }),
  });
  const cookie = login.headers.getSetCookie()[0]?.split(";")[0] ?? "";
  const changed = await fetch(`${admin.baseUrl}/auth/password`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: admin.baseUrl, Cookie: cookie },
    body: JSON.stringify({ currentPassword: temporaryPassword, newPassword: password }),
  });
  if (changed.status !== 204) throw new Error(`password change failed: ${changed.status} ${await changed.text()}`);
  return user.id;
}
