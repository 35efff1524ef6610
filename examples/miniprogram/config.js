// Where the example finds WeCom Auth. `npm start` at the repository root serves the gateway on 8080 and the
// sandbox standing in for WeCom on 9000.
module.exports = {
  baseUrl: 'http://127.0.0.1:8080',
  // Against the sandbox, wx.qy.login must get its codes from the sandbox, not from WeCom: set the sandbox URL and
  // the demo employee to sign in as. Leave sandboxUrl empty against a gateway connected to your real corp.
  sandboxUrl: 'http://127.0.0.1:9000',
  sandboxUser: 'zhangsan',
};
