/** Turns a flat `[field, value, …]` reply (HGETALL-style, as the Lua scripts return a hash) into an object. */
export function toFields(reply: unknown, from = 0): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let index = from; index + 1 < reply.length; index += 2) {
    fields[String(reply[index])] = String(reply[index + 1]);
  }
  return fields;
}
