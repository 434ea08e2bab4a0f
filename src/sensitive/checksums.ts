/**
 * The checks that turn a digit-shaped match into a finding: Luhn for payment
 * cards, ISO 13616 mod-97 for IBANs, and a parser for IPv6. Pure functions.
 */

export function digitsOf(text: string): string {
  let digits = "";
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits += text[i];
  }
  return digits;
}

/** Luhn (mod 10) over the digits of `text`, read from the right, separators skipped. */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let count = 0;
  for (let i = text.length - 1; i >= 0; i -= 1) {
    let digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) continue;
    if (count % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    count += 1;
  }
  return count > 0 && sum % 10 === 0;
}

/**
 * Issuer prefixes of the card networks people paste (Visa, Mastercard, Amex,
 * Discover, JCB, Diners, UnionPay, Maestro) with their lengths. Luhn alone
 * passes one random number in ten; a known issuer and length cuts that further.
 */
export function cardIssuerValid(digits: string): boolean {
  const n = digits.length;
  if (n < 13 || n > 19) return false;
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19;
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return n === 16;
  if (two === 34 || two === 37) return n === 15;
  if (four === 6011 || two === 65 || (four >= 6440 && four <= 6499)) return n >= 16;
  if (four >= 3528 && four <= 3589) return n >= 16;
  if (two === 36 || two === 38 || two === 39 || (four >= 3000 && four <= 3059)) return n >= 14;
  if (two === 62) return n >= 16;
  if (two === 50 || (two >= 56 && two <= 69)) return n >= 12;
  return false;
}

/** IBAN lengths per country (ISO 13616 registry, the common ones); others: 15–34. */
const ibanLength: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18,
  EE: 20, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GI: 23, GL: 18, GR: 27, HR: 21, HU: 28, IE: 22,
  IL: 23, IS: 26, IT: 27, KW: 30, KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31,
  NL: 18, NO: 15, PL: 28, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27,
  TN: 24, TR: 26, UA: 29,
};

export function ibanValid(text: string): boolean {
  const iban = text.replace(/[\s-]/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = ibanLength[iban.slice(0, 2)];
  if (expected !== undefined ? iban.length !== expected : iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** A real IPv6 address (RFC 4291 text forms, optionally ending in dotted IPv4). */
export function ipv6Valid(text: string): boolean {
  let body = text;
  let groupsNeeded = 8;
  const dotted = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (dotted) {
    if (!dotted[1]!.split(".").every((part) => Number(part) <= 255)) return false;
    body = body.slice(0, body.length - dotted[1]!.length);
    body = body.endsWith("::") ? body : body.slice(0, -1);
    groupsNeeded = 6;
  }
  const halves = body.split("::");
  if (halves.length > 2) return false;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const parts = halves.flatMap(groups);
  if (!parts.every((part) => /^[0-9A-Fa-f]{1,4}$/.test(part))) return false;
  if (halves.length === 1) return parts.length === groupsNeeded;
  // Compressed: some groups elided. Two short groups (`a::b`, `std::vector`-like) are too weak to call an address.
  if (parts.length >= groupsNeeded) return false;
  if (body === "::1") return true;
  return parts.length >= 2 && parts.join("").length >= 5;
}

const isHex = (code: number) => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
const isWord = (code: number) => isHex(code) || (code >= 71 && code <= 90) || (code >= 103 && code <= 122) || code === 95;

/**
 * IPv6 addresses in `text`, as [from, to) ranges. Hand-written rather than a
 * RegExp: from each colon it widens to the whole run of hex digits, colons
 * and dots, then parses that run once, so a log full of `10:30:00`
 * timestamps costs one look per run instead of a regex attempt per position.
 */
export function findIpv6(text: string): [number, number][] {
  const found: [number, number][] = [];
  let at = text.indexOf(":");
  while (at !== -1) {
    let from = at;
    let to = at + 1;
    while (from > 0 && tokenChar(text.charCodeAt(from - 1))) from -= 1;
    while (to < text.length && tokenChar(text.charCodeAt(to))) to += 1;
    let end = to;
    while (end > from && text.charCodeAt(end - 1) === 46) end -= 1; // a sentence's full stop
    while (from < end && text.charCodeAt(from) === 46) from += 1;
    const before = from > 0 ? text.charCodeAt(from - 1) : 32;
    const after = end < text.length ? text.charCodeAt(end) : 32;
    if (!isWord(before) && !(end === to && isWord(after)) && end - from <= 45 && mayBeIpv6(text, from, end) && ipv6Valid(text.slice(from, end))) {
      found.push([from, end]);
    }
    at = text.indexOf(":", to);
  }
  return found;
}

/**
 * Every IPv6 text form has a `::` or at least six colons (eight groups, or
 * six before a dotted IPv4): a clock time like `10:30` or `10:30:00` is
 * turned away here without the parse's allocations.
 */
function mayBeIpv6(text: string, from: number, end: number): boolean {
  let colons = 0;
  for (let i = from; i < end; i += 1) {
    if (text.charCodeAt(i) !== 58) continue;
    if (text.charCodeAt(i + 1) === 58) return true;
    colons += 1;
  }
  return colons >= 6;
}

function tokenChar(code: number): boolean {
  return isHex(code) || code === 58 || code === 46;
}
