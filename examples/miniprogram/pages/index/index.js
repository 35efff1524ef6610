// The employee card: log in silently, show who is using the mini program, disclose the mobile on request.

const MESSAGES = {
  not_in_wecom: '请在企业微信中打开此小程序。',
  not_a_member: '你不是本企业的成员。',
  employee_inactive: '你的企业微信账号未激活、已停用或已离职。',
  network_error: '无法连接登录服务，请检查网络后重试。',
  user_cancelled: '你拒绝了授权。',
};

function describeError(error) {
  const text = MESSAGES[error.code] || error.message;
  return error.requestId ? `${text}（${error.code}，${error.requestId}）` : `${text}（${error.code}）`;
}

function departmentsOf(employee) {
  return employee.departments.map((department) => department.name || `#${department.id}`).join('、');
}

Page({
  data: {
    state: 'loading', // loading | ready | loggedOut | failed
    employee: null,
    departments: '',
    mobile: '',
    error: '',
    busy: false,
  },

  onLoad() {
    const auth = getApp().globalData.auth;
    this.auth = auth;
    // Refreshes and re-logins happen inside the SDK; the card follows whatever session it has.
    this.unsubscribe = auth.on('session', (session) => this.showEmployee(session.employee));
    this.stopLogout = auth.on('logout', () =>
      this.setData({ state: 'loggedOut', employee: null, mobile: '' }),
    );
    this.login();
  },

  onUnload() {
    this.unsubscribe();
    this.stopLogout();
  },

  showEmployee(employee) {
    this.setData({
      state: 'ready',
      employee,
      departments: departmentsOf(employee),
      mobile: employee.mobile || this.data.mobile,
      error: '',
    });
  },

  login() {
    this.setData({ state: 'loading', error: '' });
    const restored = this.auth.getSession();
    // A restored session shows at once; getEmployee refreshes the card (and the token, when it is about to expire).
    if (restored) this.showEmployee(restored.employee);
    const pending = restored ? this.auth.getEmployee() : this.auth.login().then((result) => result.employee);
    pending
      .then((employee) => this.showEmployee(employee))
      .catch((error) => {
        // With a card already on screen (a restored session, offline), keep it and only say what failed.
        if (this.data.state === 'ready') this.setData({ error: describeError(error) });
        else this.setData({ state: 'failed', error: describeError(error) });
      });
  },

  getMobile() {
    this.setData({ busy: true, error: '' });
    this.auth
      .decrypt('mobile')
      .then((data) => this.setData({ mobile: data.mobile }))
      .catch((error) => this.setData({ error: describeError(error) }))
      .then(() => this.setData({ busy: false }));
  },

  logout() {
    this.setData({ busy: true });
    this.auth.logout().then(() => this.setData({ busy: false }));
  },
});
