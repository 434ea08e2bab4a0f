// @ts-check
/**
 * The console's one way to call the JSON API (../shared/API.md). Requests are
 * same-origin with the session cookie and JSON bodies, as the API's
 * same-origin rules require. Errors come back in the one error shape
 * {"error":{"code","message"}} and are thrown as ApiError.
 */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string | null} retryAfter
   */
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>} the parsed JSON body, or null for 204
 */
export async function api(method, path, body) {
  /** @type {RequestInit} */
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  // The server refuses a cookie-authenticated state change that is not declared JSON (415),
  // bodiless ones (DELETE, sign-out) included: a cross-site form can never send this type.
  if (method !== "GET" && method !== "HEAD") {
    init.headers = { Accept: "application/json", "Content-Type": "application/json" };
  }
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const text = await response.text();
  /** @type {any} */
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = parsed && parsed.error ? parsed.error : {};
    throw new ApiError(response.status, String(error.code ?? "http_" + response.status), String(error.message ?? response.statusText), response.headers.get("retry-after"));
  }
  return parsed;
}

/**
 * Sends the browser to the sign-in page when the session is gone (401), or
 * to the forced password change; returns true when it did.
 * @param {unknown} error
 */
export function redirectIfSignedOut(error) {
  if (error instanceof ApiError && error.status === 401) {
    location.assign("/");
    return true;
  }
  if (error instanceof ApiError && error.code === "password_change_required") {
    location.assign("/?change=1");
    return true;
  }
  return false;
}

/**
 * Downloads a CSV export through a plain link, so the browser streams it to
 * disk (an export can be large) and the cookie goes with it.
 * @param {string} path
 */
export function download(path) {
  const link = document.createElement("a");
  link.href = path;
  link.download = "";
  document.body.appendChild(link);
  link.click();
  link.remove();
}
