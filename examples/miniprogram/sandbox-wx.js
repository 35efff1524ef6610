// A `wx` whose wx.qy.login and wx.qy.getMobile / getEmail / getEnterpriseUserInfo ask the WeCom Auth sandbox
// (its /__sandbox control API) instead of WeCom, so the example runs against `npm start` with no real corp, even
// in the plain WeChat DevTools. Everything else is the real `wx`.

function controlCall(sandboxUrl, path, data, callbacks, pick) {
  wx.request({
    url: `${sandboxUrl}${path}`,
    method: 'POST',
    data,
    header: { 'content-type': 'application/json' },
    success(response) {
      if (response.statusCode === 200 && response.data) {
        if (callbacks.success) callbacks.success(pick(response.data));
      } else if (callbacks.fail) {
        callbacks.fail({ errMsg: `sandbox ${path}:fail HTTP ${response.statusCode}` });
      }
    },
    fail(failure) {
      if (callbacks.fail) callbacks.fail({ errMsg: `sandbox ${path}:fail ${failure.errMsg}` });
    },
  });
}

function encrypted(sandboxUrl, userid, kind) {
  return (callbacks) =>
    controlCall(sandboxUrl, '/__sandbox/encrypt', { userid, kind }, callbacks, (data) => ({
      encryptedData: data.encryptedData,
      iv: data.iv,
    }));
}

function createSandboxWx(sandboxUrl, userid) {
  const sandboxWx = Object.create(wx);
  sandboxWx.qy = {
    login: (callbacks) =>
      controlCall(sandboxUrl, '/__sandbox/login', { userid }, callbacks, (data) => ({ code: data.code })),
    getMobile: encrypted(sandboxUrl, userid, 'mobile'),
    getEmail: encrypted(sandboxUrl, userid, 'email'),
    getEnterpriseUserInfo: encrypted(sandboxUrl, userid, 'userinfo'),
  };
  return sandboxWx;
}

module.exports = { createSandboxWx };
