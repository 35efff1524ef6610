/**
 * What a `wx.qy.login` code can look like. WeCom's codes are short opaque tokens of letters and digits (the WeChat
 * family's are 32 characters); the gateway sends a code to WeCom as a query parameter. A code outside this shape
 * cannot be one, so it is refused before any WeCom call: junk sent by the thousand must not spend the corp's WeCom
 * quota. The shape is deliberately wider than any code seen (base64 and URL-safe punctuation, 16 to 128 characters),
 * so that a change in WeCom's format does not lock employees out.
 */
const loginCodeShape = /^[A-Za-z0-9\-_.~+/=]{16,128}$/;

/**
 * Whether `code` can be a `wx.qy.login` code.
 *
 * @example
 * isPlausibleLoginCode('0716AVll20uHk94SLDml27etM946AVlq'); // true
 * isPlausibleLoginCode('x'); // false
 */
export function isPlausibleLoginCode(code: string): boolean {
  return loginCodeShape.test(code);
}
