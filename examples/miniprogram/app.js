const { createAuth } = require('./lib/wecom-auth.js');
const config = require('./config.js');
const { createSandboxWx } = require('./sandbox-wx.js');

App({
  onLaunch() {
    const options = { baseUrl: config.baseUrl };
    if (config.sandboxUrl) options.wx = createSandboxWx(config.sandboxUrl, config.sandboxUser);
    // One instance for the whole app: it restores the session saved by the previous launch.
    this.globalData.auth = createAuth(options);
  },
  globalData: { auth: null },
});
