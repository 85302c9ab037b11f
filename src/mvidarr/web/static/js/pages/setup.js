// First run: create the administrator, who is then signed in.
import { api } from "../api.js";
import { formError } from "../components.js";

const form = document.getElementById("setup-form");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  formError(form, "");
  const data = new FormData(form);
  if (data.get("password") !== data.get("password2")) {
    formError(form, "The two passwords differ.");
    form.querySelector("#password2").focus();
    return;
  }
  const body = { username: data.get("username"), password: data.get("password"), cookie: true };
  if (data.get("email")) body.email = data.get("email");
  form.querySelector("button[type=submit]").disabled = true;
  try {
    await api.post("/auth/setup", body, { quiet: true });
    window.location.assign("/");
  } catch (error) {
    formError(form, error.message);
    form.querySelector("button[type=submit]").disabled = false;
  }
});
