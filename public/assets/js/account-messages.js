// @ts-check
/**
 * Plain-language messages for the API's error codes (../shared/API.md), as
 * the sign-in and account pages show them. The server's own message is used
 * where it is the most precise thing to say (validation names the field).
 */
import { ApiError } from "./api.js";

/**
 * "in 42 seconds" / "in 3 minutes" from a Retry-After header (seconds).
 * @param {string | null} retryAfter
 */
export function retryText(retryAfter) {
  const seconds = Number(retryAfter);
  if (!Number.isFinite(seconds) || seconds <= 0) return "later";
  if (seconds < 90) return `in ${Math.ceil(seconds)} second${Math.ceil(seconds) === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Field names as the API reports them → as the forms label them. */
const fieldNames = /** @type {Record<string, string>} */ ({
  newPassword: "New password",
  currentPassword: "Current password",
  password: "Password",
  email: "Email",
  username: "Username",
  name: "Name",
  models: "Models",
  expiresAt: "Expires",
});

/**
 * "newPassword: must be at least 12 characters" → "New password: must be at least 12 characters".
 * @param {string} message
 */
function readableValidation(message) {
  return message.replace(/^([A-Za-z]+)(\.\d+)?:/, (whole, field) => (fieldNames[field] ? `${fieldNames[field]}:` : whole));
}

/**
 * @param {unknown} error
 * @returns {string}
 */
export function messageFor(error) {
  if (!(error instanceof ApiError)) {
    return "The server could not be reached. Check the connection and try again.";
  }
  switch (error.code) {
    case "unauthenticated":
      return "Wrong username or password.";
    case "account_pending":
      return "This account is waiting for an administrator's approval. You can sign in once it is approved.";
    case "account_disabled":
      return "This account is disabled. Ask an administrator if you think this is a mistake.";
    case "too_many_attempts":
      return `Too many attempts. Try again ${retryText(error.retryAfter)}.`;
    case "rate_limited":
      return `Too many requests. Try again ${retryText(error.retryAfter)}.`;
    case "invalid_request":
      return readableValidation(error.message);
    case "password_change_required":
      return "Change your password first.";
    default:
      return error.message || `The request failed (${error.status}).`;
  }
}
