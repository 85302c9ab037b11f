// Dashboard: totals and recent videos are rendered by the server; running jobs update live.
import { liveJobs } from "../jobs.js";
import { startShell } from "../shell.js";

const live = startShell();
liveJobs(live, document.getElementById("job-queue"));
