/** The latest session_key per (corp, user, mini program): what `wx.qy.getMobile` & co. would encrypt with. */
export class SessionRegistry {
  private readonly keys = new Map<string, string>();

  private static key(corpId: string, userid: string, miniProgramAppId: string): string {
    return `${corpId}\u0000${userid.toLowerCase()}\u0000${miniProgramAppId}`;
  }

  remember(corpId: string, userid: string, miniProgramAppId: string, sessionKey: string): void {
    this.keys.set(SessionRegistry.key(corpId, userid, miniProgramAppId), sessionKey);
  }

  latest(corpId: string, userid: string, miniProgramAppId: string): string | undefined {
    return this.keys.get(SessionRegistry.key(corpId, userid, miniProgramAppId));
  }

  clear(): void {
    this.keys.clear();
  }
}
