// Sign-in: password, then the two-factor code when the account asks for one; a required password
// change; and a silent refresh first, for a visitor whose access cookie merely expired.
import { api, csrfToken, refreshSession, sameSitePath } from "../api.js";
import { formError } from "../components.js";

const loginForm = document.getElementById("login-form");
const passwordForm = document.getElementById("password-form");
const totpField = document.getElementById("totp-field");
const next = sameSitePath(loginForm.dataset.next || "/");

function busy(form, yes) {
  form.querySelector("button[type=submit]").disabled = yes;
}

async function silentRefresh() {
  if (!passwordForm.hidden || !csrfToken()) return false;
  if (await refreshSession()) {
    window.location.replace(next);
    return true;
  }
  return false;
}

// Behind a reverse proxy that signs people in (Authelia, an Authentik outpost), its user header
// starts the session; the server believes it only from MVIDARR_TRUSTED_PROXIES.
async function proxySignIn() {
  if (loginForm.dataset.proxy !== "true" || !passwordForm.hidden) return;
  try {
    await api.post("/sso/proxy", {}, { quiet: true });
    window.location.replace(next);
  } catch (error) {
    formError(loginForm, `Reverse-proxy sign-in: ${error.message}`);
  }
}

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  formError(loginForm, "");
  const data = new FormData(loginForm);
  const body = { username: data.get("username"), password: data.get("password"), cookie: true };
  if (!totpField.hidden && data.get("totp_code")) body.totp_code = data.get("totp_code");
  busy(loginForm, true);
  try {
    const result = await api.post("/auth/login", body, { quiet: true });
    if (result.must_change_password) {
      loginForm.hidden = true;
      passwordForm.hidden = false;
      passwordForm.querySelector("#current_password").value = body.password;
      passwordForm.querySelector("#new_password").focus();
      return;
    }
    window.location.assign(next);
  } catch (error) {
    if (error.type === "urn:mvidarr:problem:totp-required") {
      totpField.hidden = false;
      document.getElementById("totp_code").focus();
      formError(loginForm, "Enter the code from your authenticator app.");
    } else {
      formError(loginForm, error.message);
    }
  } finally {
    busy(loginForm, false);
  }
});

passwordForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  formError(passwordForm, "");
  const data = new FormData(passwordForm);
  busy(passwordForm, true);
  try {
    await api.post(
      "/auth/password",
      { current_password: data.get("current_password"), new_password: data.get("new_password") },
      { quiet: true },
    );
    window.location.assign(next);
  } catch (error) {
    formError(passwordForm, error.message);
  } finally {
    busy(passwordForm, false);
  }
});

silentRefresh().then((done) => done || proxySignIn());
